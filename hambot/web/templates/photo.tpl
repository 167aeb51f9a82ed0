% taken = moment(photo.taken_at)
% rebase('layout.tpl', title='Photo of ' + taken['text'])
<h1 class="visually-hidden">Photo of {{taken['text']}}</h1>
% if shared:
<p class="shared" role="status">{{shared}}</p>
% end
% if photo.test_pattern:
%   include('test_pattern.tpl')
% end
<figure class="photo">
  <img id="image-data" src="/photos/{{photo.filename}}" width="{{photo.width}}" height="{{photo.height}}" alt="The enclosure on {{taken['text']}}">
  <figcaption>
    Taken <time datetime="{{taken['iso']}}">{{taken['text']}}</time>.
    Temperature then:
%   include('temperature.tpl', celsius=photo.temperature_c, problem=photo.temperature_note)
% if photo.kept:
    <strong class="kept">Kept: old-photo clean-up never removes it.</strong>
% end
  </figcaption>
</figure>
% include('pager.tpl', older=older and f'/photos/{older}', newer=newer and f'/photos/{newer}', older_text='Older', newer_text='Newer')
<p class="links"><a href="/days/{{day.isoformat()}}">All of {{day_words(day)}}</a></p>
% include('snapshot_form.tpl', label='Get a new snapshot', action=f'/cameras/{photo.camera}/snapshot' if photo.camera else '/snapshot')
% if auto_refresh:
%   include('auto_refresh.tpl')
% end
