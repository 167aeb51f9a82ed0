% rebase('layout.tpl', title='Cameras', nav='home')
<h1>Cameras</h1>
% if not cameras:
<p class="empty">No camera pushes here yet. On each Pi, set UPSTREAM_URL, UPSTREAM_TOKEN and CAMERA_NAME, then start hambot-push.service.</p>
% else:
<ul class="gallery cameras">
% for camera, photo in cameras:
  <li><a href="/cameras/{{camera.name}}">
%   if photo:
%     taken = moment(photo.taken_at)
    <img src="/photos/{{photo.id}}/thumb.jpg" width="320" height="{{max(1, round(320 * photo.height / photo.width))}}" loading="lazy" alt="The latest photo from {{camera.name}}, taken {{taken['text']}}">
%   end
    <span class="meta"><strong>{{camera.name}}</strong>
%   if photo:
    <time datetime="{{taken['iso']}}">{{taken['text']}}</time>
    <span class="temp">{{temperature(photo.temperature_c) or 'no reading'}}</span>
%   else:
    no photo yet
%   end
%   if not camera.online():
    <span class="offline">offline</span>
%   end
    </span>
  </a></li>
% end
</ul>
% end
