#!/bin/sh
# A "share" button served by widgets.social.test, a site other than the page's: it sets a
# third-party cookie (social_uid, kept a year) and says whether the browser sent it back.
printf 'Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n'
case "; $HTTP_COOKIE;" in
  *"; social_uid="*) seen='recognised you'; why='your browser sent its social_uid cookie' ;;
  *)
    seen='new visitor'; why='no social_uid cookie came with this request'
    printf 'Set-Cookie: social_uid=%s; Max-Age=31536000; Path=/\r\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    ;;
esac
printf '\r\n'
cat <<HTML
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Share</title>
<style>body{margin:0;font:13px/30px system-ui,sans-serif;white-space:nowrap;overflow:hidden}
b{display:inline-block;background:#2563eb;color:#fff;border-radius:4px;padding:0 10px;line-height:24px;margin:3px 6px 3px 0}</style>
</head><body><b>Share</b><span id="seen" title="$why">1,024 shares · $seen</span></body></html>
HTML
