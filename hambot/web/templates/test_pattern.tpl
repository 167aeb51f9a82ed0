<p class="notice" role="note"><strong>This is hambot's test pattern, not a photo.</strong>
  No camera was found when it was taken, so the camera script drew colour bars instead.
  On the Pi, <code>hambot doctor</code> says why and what to do.</p>
