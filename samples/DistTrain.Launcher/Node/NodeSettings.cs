using DistTrain.Hosting;
using DistTrain.Launcher.Train;

namespace DistTrain.Launcher.Node;

/// <summary>What <c>disttrain node</c> was asked to do: how the node joins the cluster, and the run (used by a coordinator node; a worker node reads only its data path).</summary>
internal sealed record NodeSettings(DistTrainNodeOptions Node, TrainSettings Train);
