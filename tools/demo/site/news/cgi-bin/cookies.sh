#!/bin/sh
# The cookies news.demo.test received with this request (the Cookie header, one row per cookie),
# so that what a cookie policy let through is visible.
escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
printf 'Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\r\n'
cat <<'HTML'
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your cookies · The Demo Gazette</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header class="masthead">
  <p>Served by a CGI script at news.demo.test</p>
  <h1><a href="/">The Demo Gazette</a></h1>
</header>
<nav class="sections">
  <a href="/">Front page</a>
  <a href="/cgi-bin/article.sh?id=proxies">Technology</a>
  <a href="/cgi-bin/article.sh?id=cookies">Privacy</a>
  <a href="/cgi-bin/cookies.sh">Your cookies</a>
  <a href="/cgi-bin/signin.sh">Sign in</a>
</nav>
<main class="article">
<article>
<h2>The cookies news.demo.test received</h2>
HTML
if [ -z "$HTTP_COOKIE" ]; then
  printf '<p id="no-cookies">None: this request came without a <code>Cookie</code> header.</p>\n'
else
  printf '<table class="cookies" id="cookies">\n<tr><th scope="col">Name</th><th scope="col">Value</th></tr>\n'
  printf '%s\n' "$HTTP_COOKIE" | tr ';' '\n' | sed -e 's/^ *//' -e '/^$/d' | escape |
    sed -e 's#^\([^=]*\)=\(.*\)$#<tr><td>\1</td><td><code>\2</code></td></tr>#' -e 's#^\([^<].*\)$#<tr><td>\1</td><td></td></tr>#'
  printf '</table>\n'
fi
cat <<'HTML'
<p>This is the <code>Cookie</code> header as the site sees it, after every proxy on the way.
  Reading <a href="/cgi-bin/article.sh?id=cookies">an article</a> sets <code>news_session</code>
  and <code>last_read</code>, <a href="/cgi-bin/signin.sh">signing in</a> sets
  <code>news_user</code>. A rule in Alfajor that blocks news.demo.test makes this list empty; a
  session-only rule (Alfajor's default) lets them through but makes the browser forget them when
  it closes.</p>
<p><a href="/">Back to the front page</a></p>
</article>
</main>
</body>
</html>
HTML
