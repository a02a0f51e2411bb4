"""gunicorn settings that serve the ceiling app the way ``ivig-graph serve`` serves the endpoint:
each HTTP process also listens on a socket of its own (``SO_REUSEPORT``), so that connections
are spread evenly over the processes (``ivig_graph.web.server.listen_in_this_process``)."""

from ivig_graph.web.server import listen_in_this_process

reuse_port = True
post_worker_init = listen_in_this_process
