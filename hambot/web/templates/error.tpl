% rebase('layout.tpl', title=title)
<section class="problem">
  <h1>{{title}}</h1>
  <p class="sentence">{{sentence}}</p>
</section>
<p class="links"><a href="/">Home</a></p>
