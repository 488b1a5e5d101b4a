"""paasta-deployd: bounces Marathon instances within seconds of a change (see docs/source/deployd.rst).

Pure parts: ``queue`` (the deduplicated delay queue), ``changes`` (what to bounce and when),
``settings``.  I/O parts: ``watcher`` (polls files), ``leader`` (ZooKeeper election), ``workers`` and
``master`` (the daemon's threads).
"""
