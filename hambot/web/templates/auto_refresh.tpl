<form class="autorefresh" method="get" action="{{auto_refresh.here}}">
  <label for="refresh">Auto-refresh</label>
  <select id="refresh" name="refresh">
    <option value="0"{{!' selected' if not auto_refresh.minutes else ''}}>off</option>
% for minutes, words in refresh_choices.items():
    <option value="{{minutes}}"{{!' selected' if minutes == auto_refresh.minutes else ''}}>{{words}}</option>
% end
  </select>
  <button type="submit">Set</button>
% if auto_refresh.minutes:
  <span class="refresh-state" role="status">This page shows the newest photo {{refresh_choices[auto_refresh.minutes]}}.</span>
% end
</form>
