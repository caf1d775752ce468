namespace DistTrain.Core;

/// <summary>The one way options records report an invalid value: an exception naming it and the rule.</summary>
internal static class OptionChecks
{
    public static void Require(bool condition, string name, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{name} = {value} is invalid: it must be {rule}.", name);
        }
    }
}
