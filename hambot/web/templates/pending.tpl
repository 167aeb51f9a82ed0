% rebase('layout.tpl', title='Taking a photo')
<section class="pending" aria-live="polite">
  <h1>Taking a photo…</h1>
  <p>Someone else pressed the button a moment ago; you will see their photo as soon as the camera is done. This page refreshes by itself.</p>
</section>
