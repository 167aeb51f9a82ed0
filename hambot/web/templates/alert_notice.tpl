% for line in notices:
<p class="notice" role="alert"><strong>{{line}}</strong></p>
% end
