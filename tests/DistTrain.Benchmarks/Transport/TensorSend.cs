using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Benchmarks.Transport;

/// <summary>How a benchmark actor sends one message: a plain Tell, or through a tensor transport.</summary>
internal delegate void TensorSend(IActorRef target, IDistTrainMessage message, IActorRef sender);
