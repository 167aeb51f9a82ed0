<p class="notice" role="status">
% when = trouble.since and moment(trouble.since)
% if trouble.storage:
  No photo could be stored
% else:
  The camera has not answered
% end
% if when:
  since <time datetime="{{when['iso']}}">{{when['text']}}</time>
% else:
  yet
% end
  ({{trouble.failures}} {{'try' if trouble.failures == 1 else 'tries'}} failed). The last one said: {{trouble.sentence}}
</p>
