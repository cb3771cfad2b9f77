#!/bin/sh
# A web bug: a 1x1 transparent GIF that gives the ad server a cookie (ad_uid, kept a year) to
# recognise the browser on every page that embeds it.
printf 'Content-Type: image/gif\r\nCache-Control: no-store\r\n'
case "; $HTTP_COOKIE;" in
  *"; ad_uid="*) ;;
  *) printf 'Set-Cookie: ad_uid=%s; Max-Age=31536000; Path=/\r\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" ;;
esac
printf '\r\n'
cat ../images/pixel.gif
