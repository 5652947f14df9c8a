#!version:1.0.0.1
# Example Srl: boot file of Yealink T99X 00:15:65:aa:bb:08. Everything is in its own settings file.
include:config "001565aabb08.cfg"
# Parameters the settings file no longer sets return to the factory default (a removed key or
# line does not stay behind on the phone).
overwrite_mode = 1
