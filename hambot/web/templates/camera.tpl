% rebase('layout.tpl', title=f'Camera {camera_name}')
<h1>{{camera_name}}</h1>
% if notice:
<p class="shared" role="status">{{notice}}</p>
% end
% if photo:
%   taken = moment(photo.taken_at)
<figure class="photo">
  <a href="/photos/{{photo.id}}"><img src="/photos/{{photo.filename}}" width="{{photo.width}}" height="{{photo.height}}" alt="The latest photo from {{camera_name}}, taken {{taken['text']}}"></a>
  <figcaption>The latest photo, taken <time datetime="{{taken['iso']}}">{{taken['text']}}</time>.
    Temperature then:
%   include('temperature.tpl', celsius=photo.temperature_c, problem=photo.temperature_note)
  </figcaption>
</figure>
% else:
<p>No photo from this camera yet.</p>
% end
% include('snapshot_form.tpl', action=f'/cameras/{camera_name}/snapshot')
<p class="links"><a href="/photos?camera={{camera_name}}">Its photos</a> · <a href="/temperature?camera={{camera_name}}">Its temperature</a></p>
