% taken = photo and moment(photo.taken_at)
% rebase('layout.tpl', title=('Photo of ' + taken['text']) if photo else 'Home', nav='home')
<h1 class="visually-hidden">{{site_title}}</h1>
% include('alert_notice.tpl', notices=alert_notices)
% if trouble:
%   include('trouble.tpl', trouble=trouble)
% end
% if photo and photo.test_pattern:
%   include('test_pattern.tpl')
% end
% if photo:
<figure class="photo">
  <a href="/photos/{{photo.id}}"><img id="image-data" src="/photos/{{photo.filename}}" width="{{photo.width}}" height="{{photo.height}}" alt="{{whose}}, taken {{taken['text']}}"></a>
  <figcaption>{{whose}}, taken <time datetime="{{taken['iso']}}">{{taken['text']}}</time></figcaption>
</figure>
% else:
<figure class="placeholder">
  <img id="image-data" src="/static/placeholder.svg" width="320" height="240" alt="No photo yet">
  <figcaption>No photo yet. Press <em>Get snapshot</em> to see the enclosure.</figcaption>
</figure>
% end
<p class="now">Temperature now:
% include('temperature.tpl', celsius=reading.celsius, problem=reading.problem)
% if sparkline:
<a class="spark" href="/temperature">{{!sparkline}}</a>
% end
</p>
% include('snapshot_form.tpl')
% if auto_refresh:
%   include('auto_refresh.tpl')
% end
