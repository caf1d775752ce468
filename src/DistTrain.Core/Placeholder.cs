namespace DistTrain.Core;
