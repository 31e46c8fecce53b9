"""Media files: each organization's received and sent files, stored once per content.

`MediaFile` is the stored bytes (content-hash name, sniffed type, size, thumbnail);
`storing.py` checks and stores bytes (`do_store_bytes`), `serving.py` answers a file
to members of its organization only; `do_release_files` deletes files no message uses.
The storage is Django's (`STORAGES["ponte_media"]`): a folder by default, S3 when set.
"""
