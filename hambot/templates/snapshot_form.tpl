<form class="snapshot" method="post" action="/snapshot">
  <button type="submit">{{get('label', 'Get snapshot')}}</button>
</form>
