// Umbrella header of the CProtobufC module: the protobuf-c runtime plus the code generated from
// Protos/ by scripts/gen-protos.sh (committed, DO NOT EDIT the generated files; the test command
// fails when they are stale). Only PixWire imports this module (internal import).
#include <protobuf-c/protobuf-c.h>
#include "pixwizard/v1/pixwizard.pb-c.h"
