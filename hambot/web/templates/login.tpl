% rebase('layout.tpl', title='Sign in', nav='login')
<section class="signin">
  <h1>Sign in</h1>
% if sentence:
  <p class="sentence" role="alert">{{sentence}}</p>
% end
  <form method="post" action="/login">
    <input type="hidden" name="next" value="{{target}}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Sign in</button>
  </form>
</section>
