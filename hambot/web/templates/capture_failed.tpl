% rebase('layout.tpl', title='No photo this time')
<section class="problem" role="alert">
  <h1>No photo this time</h1>
  <p class="sentence">{{sentence}}</p>
</section>
% include('snapshot_form.tpl', label='Try again', action=get('action', '/snapshot'))
<p class="links"><a href="/">Home</a></p>
