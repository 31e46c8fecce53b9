"""Media files: each organization's received and sent files, stored once per content.

`MediaFile` is the stored bytes (content-hash name, sniffed type, size, thumbnail);
`storing.py` checks and stores bytes (`do_store_bytes`) and deletes files no message
uses (`do_release_files`); `serving.py` answers a file (ranges, inline or attachment)
to whoever the interfaces let read it. See docs/media.md.
The storage is Django's (`STORAGES["ponte_media"]`): a folder by default, S3 when set.
"""
