#!/bin/sh
# An article page with news.demo.test's first-party cookies: news_session (a session cookie,
# set once per browser session) and last_read (kept 30 days). ?id=proxies or ?id=cookies.
case "$QUERY_STRING" in
  '' | id=proxies) article=proxies ;;
  id=cookies) article=cookies ;;
  *)
    printf 'Status: 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNo such article.\n'
    exit 0
    ;;
esac
printf 'Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n'
case "; $HTTP_COOKIE;" in
  *"; news_session="*) ;;
  *) printf 'Set-Cookie: news_session=%s; Path=/; HttpOnly\r\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" ;;
esac
printf 'Set-Cookie: last_read=%s; Max-Age=2592000; Path=/\r\n\r\n' "$article"
cat "../articles/$article.html"
