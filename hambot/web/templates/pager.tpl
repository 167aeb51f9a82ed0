% if older or newer:
<nav class="pager" aria-label="More photos">
% if newer:
  <a class="newer" rel="prev" href="{{newer}}">← {{newer_text}}</a>
% end
% if older:
  <a class="older" rel="next" href="{{older}}">{{older_text}} →</a>
% end
</nav>
% end
