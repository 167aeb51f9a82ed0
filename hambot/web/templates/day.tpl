% title = day_words(day)
% rebase('layout.tpl', title=title, nav='days')
<h1><time datetime="{{day.isoformat()}}" data-zone="site">{{title}}</time></h1>
% photos, count = timeline
% if summary:
%   low, high = temperature(summary.low), temperature(summary.high)
<dl class="summary">
  <div><dt>Photos</dt><dd>{{summary.count}}</dd></div>
  <div><dt>Lowest</dt><dd>{{low or 'no reading'}}</dd></div>
  <div><dt>Highest</dt><dd>{{high or 'no reading'}}</dd></div>
</dl>
% else:
<p class="empty">No photos are kept for this day.</p>
% end
% include('pager.tpl', older=older and f'/days/{older.isoformat()}', newer=newer and f'/days/{newer.isoformat()}', older_text=older and day_words(older), newer_text=newer and day_words(newer))
<section aria-labelledby="timelapse-title">
<h2 id="timelapse-title">Time-lapse</h2>
% if isinstance(movie, dict):
<figure class="movie">
  <video controls playsinline preload="metadata" src="{{movie['url']}}"{{!' poster="%s"' % movie['poster'] if movie['poster'] else ''}}>
    <a href="{{movie['url']}}">The time-lapse of {{title}}</a>
  </video>
  <figcaption><a href="{{movie['url']}}">Download the time-lapse</a></figcaption>
</figure>
% else:
<p class="sentence">{{movie}}</p>
% end
</section>
<section aria-labelledby="chart-heading">
<h2 id="chart-heading">Temperature</h2>
<figure class="chart">
{{!svg}}
</figure>
</section>
% if photos:
<section aria-labelledby="photos-title">
<h2 id="photos-title">Photos</h2>
<p class="note">Times in {{zone}}.{{' Showing %d of %d photos, evenly spread; the gallery has them all.' % (len(photos), count) if count > len(photos) else ''}}</p>
<ol class="timeline">
%   for p in photos:
%     taken = moment(p.taken_at)
  <li><a href="/photos/{{p.id}}">
    <img src="/photos/{{p.id}}/thumb.jpg" width="320" height="{{max(1, round(320 * p.height / p.width))}}" loading="lazy" alt="The enclosure at {{clock(p.taken_at)}}">
    <span class="meta"><time datetime="{{taken['iso']}}" data-zone="site">{{clock(p.taken_at)}}</time>
    <span class="temp">{{temperature(p.temperature_c) or 'no reading'}}</span></span>
  </a></li>
%   end
</ol>
</section>
% end
