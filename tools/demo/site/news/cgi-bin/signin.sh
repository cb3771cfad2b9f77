#!/bin/sh
# "Sign in": sets a first-party cookie (news_user, kept 30 days) on a redirect to the cookie
# page, so that the browser sends the new cookie back at once and the page shows what arrived.
printf 'Status: 303 See Other\r\nLocation: http://news.demo.test/cgi-bin/cookies.sh\r\n'
printf 'Set-Cookie: news_user=reader; Max-Age=2592000; Path=/; HttpOnly\r\n'
printf 'Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\nSigned in.\n'
