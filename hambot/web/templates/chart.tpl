% rebase('layout.tpl', title='Temperature', nav='temperature')
<h1>Temperature{{f' at {camera}' if camera else ''}}</h1>
% only = f'&camera={camera}' if camera else ''

<nav class="ranges" aria-label="Period">
% for name, words in ranges:
%   if name == shown:
  <a href="/temperature?range={{name}}{{only}}" aria-current="page">{{words}}</a>
%   else:
  <a href="/temperature?range={{name}}{{only}}">{{words}}</a>
%   end
% end
</nav>
<figure class="chart">
{{!svg}}
<figcaption>
% if summary:
  <dl class="summary">
    <div><dt>Lowest</dt><dd>{{temperature(summary.low)}}</dd></div>
    <div><dt>Highest</dt><dd>{{temperature(summary.high)}}</dd></div>
%   if latest:
%     when = moment(latest.taken_at)
    <div><dt>Latest</dt><dd>{{temperature(latest.celsius)}} at <time datetime="{{when['iso']}}">{{when['text']}}</time></dd></div>
%   end
  </dl>
% else:
  No readings in this period.
% end
% if comfort[0] is not None or comfort[1] is not None:
  <p class="legend"><span class="swatch comfort"></span> comfortable
  {{'from ' + temperature(comfort[0]) if comfort[0] is not None else ''}}
  {{'to ' + temperature(comfort[1]) if comfort[1] is not None else ''}};
  <span class="swatch range"></span> lowest to highest; the line is the average; breaks are times with no readings.</p>
% end
</figcaption>
</figure>
