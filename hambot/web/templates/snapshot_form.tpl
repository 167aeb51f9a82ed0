<form class="snapshot" method="post" action="{{get('action', '/snapshot')}}" data-usual-seconds="{{capture_seconds()}}">
  <button type="submit">{{get('label', 'Get snapshot')}}</button>
  <progress max="100" aria-label="Taking a photo" hidden></progress>
  <span class="progress-note" role="status"></span>
</form>
