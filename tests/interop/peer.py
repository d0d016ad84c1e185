"""Shared start-up of the grpcio test servers: listen on loopback, announce the port, serve."""
from concurrent import futures

import grpc


def serve(register, port, workers=16):
    """register(server) adds the servicers; prints "LISTENING <port>" once serving."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    register(server)
    bound = server.add_insecure_port("127.0.0.1:%d" % port)
    server.start()
    print("LISTENING %d" % bound, flush=True)
    server.wait_for_termination()
