#!version:1.0.0.1
# Example Srl: boot file of Yealink T46S 00:15:65:aa:bb:01. Everything is in its own settings file.
include:config "001565aabb01.cfg"
# Parameters the settings file no longer sets return to the factory default (a removed key or
# line does not stay behind on the phone).
overwrite_mode = 1
