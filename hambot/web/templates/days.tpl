% rebase('layout.tpl', title='Days', nav='days')
<h1>Days</h1>
% if not days:
<p class="empty">No photos yet. <a href="/">Take the first one</a>.</p>
% else:
<ul class="days">
% for d in days:
%   low, high = temperature(d.low), temperature(d.high)
  <li><a href="/days/{{d.day.isoformat()}}">
%   if d.photo:
    <img src="/photos/{{d.photo.id}}/thumb.jpg" width="320" height="{{max(1, round(320 * d.photo.height / d.photo.width))}}" loading="lazy" alt="">
%   end
    <span class="meta"><time datetime="{{d.day.isoformat()}}" data-zone="site">{{day_words(d.day)}}</time>
    <span class="count">{{d.count}} {{'photo' if d.count == 1 else 'photos'}}</span>
%   if low is None:
    <span class="temp">no reading</span>
%   elif low == high:
    <span class="temp">{{low}}</span>
%   else:
    <span class="temp">{{low}} to {{high}}</span>
%   end
    </span>
  </a></li>
% end
</ul>
% end
% include('pager.tpl', older=older and f'/days?before={older}', newer=newer and f'/days?after={newer}', older_text='Earlier days', newer_text='Later days')
