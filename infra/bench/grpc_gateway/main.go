// The peer of the edge benchmark (infra/bench/grpc_gateway/peer_bench.sh):
// grpc-gateway v2 with its default ServeMux, generated from the same
// protos as the Fineprint edge and put in front of the same identity
// backend. Built into the cache by build.sh at bench time; the generated
// code is not committed.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	identityv1 "github.com/fineprint/fineprint/gen/fineprint/identity/v1"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "HTTP address")
	identity := flag.String("identity", "127.0.0.1:50051", "identity gRPC address")
	flag.Parse()

	ctx := context.Background()
	mux := runtime.NewServeMux()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := identityv1.RegisterIdentityServiceHandlerFromEndpoint(ctx, mux, *identity, opts); err != nil {
		log.Fatalf("register: %v", err)
	}
	log.Printf("grpc-gateway listening on %s, identity at %s", *listen, *identity)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
