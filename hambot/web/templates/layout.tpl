<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · {{site_title}}</title>
% if get('refresh'):
<meta http-equiv="refresh" content="{{refresh}}">
% end
% if auto_refresh and auto_refresh.minutes:
<noscript><meta http-equiv="refresh" content="{{auto_refresh.minutes * 60}}; url={{auto_refresh.follow}}"></noscript>
% end
<link rel="stylesheet" href="/static/style.css?v={{version}}">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/static/icon-192.png">
<link rel="manifest" href="/manifest.webmanifest">
<meta name="theme-color" content="#b5562b">
<script src="/static/hambot.js?v={{version}}" defer></script>
</head>
<body>
<header class="site"><a class="brand" href="/">{{site_title}}</a>
<nav class="site" aria-label="Pages">
% for target, label, key in (("/", "Home", "home"), ("/photos", "Gallery", "gallery"), ("/days", "Days", "days"), ("/temperature", "Temperature", "temperature")):
%   if get('nav') == key:
  <a href="{{target}}" aria-current="page">{{label}}</a>
%   else:
  <a href="{{target}}">{{label}}</a>
%   end
% end
% if signed_in:
  <form class="signout" method="post" action="/logout"><button type="submit">Sign out</button></form>
% end
</nav></header>
% if auto_refresh and auto_refresh.minutes:
<main data-refresh-seconds="{{auto_refresh.minutes * 60}}" data-refresh-url="{{auto_refresh.follow}}">
% else:
<main>
% end
{{!base}}
</main>
<footer class="site">hambot {{version}}</footer>
</body>
</html>
