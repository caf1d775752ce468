namespace DistTrain.Core.Layers;

/// <summary>
/// Backprop's progress (<see cref="Sequential.ComputeGradients"/>): the gradient's values
/// <c>[from, ParameterCount)</c> are final, and nothing will write them again in this pass.
/// </summary>
public delegate void GradientsWritten(int from);
