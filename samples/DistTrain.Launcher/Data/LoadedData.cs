using DistTrain.Core.Data;

namespace DistTrain.Launcher.Data;

/// <summary>A training and a test set, and where they came from: a folder, or <c>synthetic</c>.</summary>
internal sealed record LoadedData(Dataset Train, Dataset Test, string Source);
