namespace DistTrain.Launcher;

/// <summary>The launcher's help text: every command and every option.</summary>
internal static class Usage
{
    public const string Text = """
        usage: disttrain <command> [options]

        commands:
          train      train a multilayer perceptron on the actor engine, every role in this process
          evaluate   loss, accuracy and confusion matrix of a saved model on a test set
          export     write a saved model as an ONNX file
          node       one node of a training cluster (coordinator, parameter-server and/or worker)
          project    projected step time, samples/s and scaling efficiency of a cluster of 1..N nodes
          health     whether a node (one started with --health-port) is an up member of its cluster
          help       this text (also --help or -h after any command)

        disttrain train [options]
          With no options: workload W1 (784-512-256-10, ReLU, Adam 1e-3, batch 128, 5 epochs) on
          Fashion-MNIST, or on a synthetic stand-in when Fashion-MNIST is not installed.

          --data DIR|synthetic     IDX data folder (default /usr/share/datasets/fashion-mnist; when that
                                   is missing, a synthetic set: apt-get install dataset-fashion-mnist)
          --hidden 512,256         hidden layer sizes (none for a linear model)
          --activation NAME        relu | leaky-relu | tanh | sigmoid
          --loss NAME              cross-entropy | mse
          --optimizer NAME         adam | sgd
          --lr RATE                learning rate (adam 0.001, sgd 0.01)
          --momentum M             sgd momentum in [0, 1) (default 0)
          --weight-decay WD        L2 weight decay (default 0)
          --batch N                global mini-batch, split across the workers (default 128)
          --epochs N               epochs (default 5)
          --max-steps N            stop after N steps in all
          --workers N              worker actors (default: one per core, at most --batch)
          --ps-shards N            parameter-server shards, each owning a range of the parameters
                                   (default: one per core, at most 8)
          --mode sync|ssp|async    consistency: bulk-synchronous (default), stale-synchronous, asynchronous
          --staleness S            ssp only: how many steps a worker may run ahead (default 2)
          --wire fp32|bf16         value precision between nodes: bf16 halves the traffic; parameters
                                   stay fp32 at the servers (default fp32)
          --compress none|topk:R   send the share R of each gradient largest in magnitude, keeping the
                                   rest for the next step (default none)
          --compress-warmup N      with topk: the share sent falls from 1 to R over the first N
                                   steps (default 0)
          --seed N                 seed of the initial parameters and the data order (default 0)
          --no-shuffle             samples in file order every epoch
          --init FILE.safetensors  start from these parameters (dense{i}.weight [out, in], dense{i}.bias)
          --save FILE.safetensors  write the final parameters
          --metrics-out FILE.json  write the run's configuration, epochs, totals and staleness histogram
          --plot FILE.png          write a chart of loss and test accuracy by epoch
          --quiet                  one plain line per epoch, even on a terminal, and of Akka's log
                                   only errors on the console
          --log-file FILE          append every Akka log event to FILE in full, stack traces and all
          --stall-warning S        when a sync step has waited S seconds (default 10), one line names
                                   the workers it waits for, their node, phase and how long
          --timeline FILE.json     write a timeline of every worker's and shard's phases (compute,
                                   push, wait, pull, apply, publish), each node on the coordinator's
                                   clock, as a Chrome trace: open it at ui.perfetto.dev
          --timeline-steps A-B     record only steps A to B (default every step; each node keeps at
                                   most about a million spans)
          --checkpoint-dir DIR     write checkpoints (parameters, optimizer state, step) to DIR at the
                                   end of the run, keeping the latest two
          --checkpoint-every N     also checkpoint after every N steps
          --checkpoint-keep N      keep the newest N checkpoints (default 2)
          --resume                 continue from the latest checkpoint in --checkpoint-dir; the model,
                                   optimizer, batch, seed and mode must match it, and --epochs or
                                   --max-steps count from the first run's start
          --dashboard [HOST:]PORT  serve the run live at http://HOST:PORT/: charts of loss, accuracy and
                                   samples/s, each worker's step time, staleness, members; also
                                   /events (server-sent events) and /metrics (Prometheus text).
                                   HOST defaults to 127.0.0.1 (0.0.0.0 or * for every interface);
                                   PORT 0 takes a free one
          --dashboard-linger S     keep the dashboard up S seconds after the run ends (default 0)
          --config FILE            JSON file whose "Training" section holds these options, one key per
                                   option: its name without the dashes, each word capitalized
                                   (--epochs is Epochs, --metrics-out MetricsOut, --lr Lr); a flag is
                                   true or false, --hidden an array or 512,256. Environment variables
                                   like DISTTRAIN_Training__Epochs=5 override the file, and the
                                   options above override both; an unknown key or a bad value stops
                                   the run, naming the key. The "Node" section is ignored (see
                                   deploy/appsettings.example.json)

        disttrain evaluate --model FILE.safetensors [options]
          --data DIR|synthetic     the test set to evaluate on (default as for train)
          --hidden 512,256         hidden layer sizes (default: read off the file's weight shapes)
          --activation NAME        (default: the file's metadata, else relu)
          --loss NAME              (default: the file's metadata, else cross-entropy)

        disttrain export --model FILE.safetensors --onnx FILE.onnx [options]
          --hidden, --activation   as for evaluate
          The ONNX model (opset 17) maps input "input" [N, features] to output "logits" [N, classes].

        disttrain node [options] [train options]
          Joins (or, without --seed-nodes, starts) a cluster of actor systems named disttrain. The
          coordinator node takes train's options (--data, --hidden, --epochs, --batch, --mode,
          --save, --metrics-out, ...) and waits for --min-workers workers; a worker node needs only
          --data, the same data set as the coordinator's. Every node exits 0 when the run completes.
          A cluster run has 16 parameter-server shards unless --ps-shards says otherwise (more
          shards overlap more of a step's push, apply and pull). --dashboard is served by a
          coordinator node and shows every member as that node sees the cluster.

          --roles LIST             coordinator,parameter-server,worker (default: all three)
          --hostname HOST          address to listen on (default 127.0.0.1)
          --public-hostname HOST   address other nodes use, when it differs (containers, NAT)
          --port P                 TCP port, 0 for any free one (default 4053)
          --channel-port P         TCP port of the tensor channel, which carries gradients and
                                   parameters between nodes (default 0: any free one, which peers
                                   learn over Akka); set it where a firewall or a container must
                                   name it
          --shared-memory MIB      ring per tensor channel to a node on this host, in MiB; its
                                   messages then skip the kernel's TCP (default 8; 0: off, TCP)
          --health-port P          serve /alive (200 while the process answers) and /ready (200 while
                                   the node is an up cluster member, else 503; JSON with its member
                                   status, address and roles) over HTTP on --hostname (default 0: none)
          --seed-nodes LIST        HOST:PORT or akka.tcp://disttrain@HOST:PORT, comma-separated
          --workers N              worker actors on this node (default: one per core)
          --min-workers N          coordinator: workers over all nodes before the first step (default 1)
          --min-ps-nodes N         coordinator: parameter-server nodes to spread shards over (default 1)
          --ps-replicas 0|1        coordinator: a hot-standby backup of each shard on another node, so
                                   losing a parameter-server node loses no step (default: 1 when the
                                   shards are placed on two or more nodes, else 0)
          --tls-certificate FILE   PKCS#12 (.pfx) certificate: TLS on, peers must present the same one
          --tls-password P         the certificate's password
          --join-timeout S         seconds to keep trying the seed nodes (default 30)
          --heartbeat-pause S      seconds a node's heartbeats may be missing before it is marked
                                   unreachable (default 3; lower detects a lost node sooner, and
                                   marks a busy or briefly cut one lost more often)
          --down-after S           seconds the unreachable set must stay unchanged before the split
                                   brain resolver (keep-majority) downs it (default 5; lower recovers
                                   sooner, and downs nodes that would have come back)
          --handover-margin S      seconds after a lost coordinator node is removed before the next
                                   coordinator node takes the run over (default 1; Akka's default
                                   would wait --down-after again)
          --config FILE            JSON file whose "Node" section holds these options (and more: see
                                   deploy/appsettings.example.json) and whose "Training" section holds
                                   train's, as for train, with MinWorkers and without Workers (here the
                                   Node section's WorkersPerNode); DISTTRAIN_Node__Port=4053 and
                                   DISTTRAIN_Training__Epochs=5 style environment variables override
                                   the file, and the options above override both
          --quiet, --verbose,      as for train (keys Quiet, Verbose and LogFile of --config; LogLevel
          --log-file FILE          there sets what Akka logs: DEBUG, INFO, WARNING (default) or ERROR)

        disttrain health [HOST:]PORT [--timeout S]
          Asks a node's /ready endpoint (HOST defaults to 127.0.0.1) and prints one line: exit 0 when
          the node is an up member of its cluster, 1 when it is not or does not answer within S
          seconds (default 3). The container image's health check.

        disttrain project [options]
          Projects a sync step (compute, push, apply, pull), samples/s and scaling efficiency for 1..N
          worker nodes from an alpha-beta model of the link and costs measured on this machine (one
          core's forward+backward per sample and Adam update per parameter; on one host, the wire's work). Model options as for train:
          --hidden, --activation, --loss, --batch (default W1: 784-512-256-10, batch 128).

          --nodes N                worker nodes; the table shows 1..N (default 4)
          --workers-per-node W     workers on each worker node, one core each (default: this
                                   machine's cores)
          --ps-nodes P             parameter-server nodes (default 1)
          --ps-shards S            parameter-server shards over all server nodes (default as for train)
          --ps-cores C             cores of each server node, applying its shards in parallel (default:
                                   this machine's cores)
          --ps-replicas 0|1        a hot-standby backup of each shard on another server node, which
                                   takes each step's mean before the version is published (default: 1
                                   with --ps-nodes 2 or more, as a cluster places them, else 0)
          --link RATE|loopback     1gbit | 10gbit | 25gbit | a rate like 2.5gbit or 800mbit: bits per
                                   second, each way, per node (default 1gbit); loopback: a worker node
                                   on the servers' host, an effective 2 GB/s each way (no --efficiency)
          --latency TIME           one-way latency, like 0.1ms or 50us (default 0.05ms)
          --efficiency E           fraction of the line rate TCP achieves, in (0, 1] (default 0.94)
          --wire fp32|bf16         values on the wire, both ways (default fp32)
          --compress none|topk:R   push only the fraction R in (0, 1] of the gradient, each with its index
          --no-overlap             push, apply and pull one after another instead of pipelined by shard
          --compute-per-sample S   seconds of forward+backward per sample on one core, instead of measuring
          --apply-per-parameter S  seconds of one Adam update per parameter on one core, instead of
                                   measuring
          --push-wire-per-step S   seconds of one core per worker node and step for what the node does to
                                   its contribution before it leaves (bf16 rounding, top-k selection),
                                   which the step waits for, instead of measuring
          --host-cores C           every node on one host of C cores (the network test bed, a loopback
                                   split): the step is also bounded by all nodes' CPU work over C cores,
                                   the wire's work measured, the cluster path's fitted to this machine
          --wire-per-step S        with --host-cores: seconds of one core per worker node and step for the
                                   wire's work (bf16 rounding, replica differences, top-k and its sparse
                                   messages' encoding and decoding), instead of measuring
          --path-cpu-per-byte S    with --host-cores: the cluster path's CPU seconds per byte moved, both
                                   ends (default 4.1e-10; tests/DistTrain.Benchmarks/fit-path-cost.sh)
          --path-cpu-per-node-step S
                                   with --host-cores: its CPU seconds per worker node and step besides
                                   the bytes (default 0.0022; fit-path-cost.sh)
          --path-cpu-per-step S    with --host-cores: its CPU seconds per step whatever the worker nodes
                                   (default 0.0038; fit-path-cost.sh)
          --standby-cpu-per-step S with --host-cores and --ps-replicas 1: hot standby's CPU seconds per
                                   step besides the bytes of its means and checkpoints (default
                                   0.00155; compare-replication-cost.sh)
          --json                   one JSON document (seconds, samples/s) instead of the table

        every command:
          --verbose                stack traces on errors; train and node also show Akka's log events
                                   in full (by default one line each on standard error, an exception
                                   as its type and message)
        """;
}
