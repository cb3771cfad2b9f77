#!/bin/sh
# A click-tracker: records the click in a cookie (ad_click) and sends the browser on to the
# advertiser's page. ?ad=NAME, one of the demo's advertisements.
case "$QUERY_STRING" in
  ad=broadband | ad=deals | ad=bank | ad=guitar | ad=hosting) ad=${QUERY_STRING#ad=} ;;
  *)
    printf 'Status: 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNo such advertisement.\n'
    exit 0
    ;;
esac
printf 'Status: 302 Found\r\nLocation: http://ads.demo.test/landing.html#%s\r\n' "$ad"
printf 'Set-Cookie: ad_click=%s; Max-Age=86400; Path=/\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' "$ad"
printf 'Thank you for your click.\n'
