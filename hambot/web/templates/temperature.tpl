% shown = temperature(celsius)
% if shown:
<strong class="reading">{{shown}}</strong>
% else:
<span class="no-reading">no reading</span><span class="why">{{problem or ''}}</span>
% end
