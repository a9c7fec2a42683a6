#!/bin/sh
# A fleet script part with UTF-8 text: it travels base64, byte for byte.
printf 'Grüße from the fleet\n' > /etc/motd.d-fleet
