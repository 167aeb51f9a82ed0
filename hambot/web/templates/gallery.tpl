% rebase('layout.tpl', title='Gallery', nav='gallery')
<h1>Gallery{{f' of {camera}' if camera else ''}}</h1>
% if not photos:
<p class="empty">No photos yet. <a href="/">Take the first one</a>.</p>
% else:
<ul class="gallery">
% for p in photos:
%   taken = moment(p.taken_at)
  <li><a href="/photos/{{p.id}}">
    <img src="/photos/{{p.id}}/thumb.jpg" width="320" height="{{max(1, round(320 * p.height / p.width))}}" loading="lazy" alt="The enclosure on {{taken['text']}}">
    <span class="meta"><time datetime="{{taken['iso']}}">{{taken['text']}}</time>
    <span class="temp">{{temperature(p.temperature_c) or 'no reading'}}</span>
%   if p.test_pattern:
    <strong class="pattern">test pattern, no camera</strong>
%   end
    </span>
  </a></li>
% end
</ul>
% end
% only = f'&camera={camera}' if camera else ''
% include('pager.tpl', older=older and f'/photos?before={older}{only}', newer=newer and f'/photos?after={newer}{only}', older_text='Older photos', newer_text='Newer photos')
