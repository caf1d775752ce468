namespace DistTrain.Hosting;

/// <summary>
/// The cluster roles a DistTrain node may carry, several at once. The coordinator role hosts the
/// coordinator singleton (and needs the training set and the run's options), the parameter-server
/// role hosts shards the coordinator places there, the worker role hosts worker actors that
/// register with the coordinator. The default single process carries all three.
/// </summary>
public static class NodeRoles
{
    public const string Coordinator = "coordinator";
    public const string ParameterServer = "parameter-server";
    public const string Worker = "worker";

    /// <summary>Every role, in the order the help text lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Coordinator, ParameterServer, Worker];

    /// <summary>
    /// Reads a comma-separated role list such as <c>coordinator,parameter-server</c>; an unknown,
    /// repeated or empty role is an <see cref="ArgumentException"/> that names it.
    /// </summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] roles = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (string role in roles)
        {
            if (!All.Contains(role))
            {
                throw new ArgumentException($"unknown role '{role}' in '{text}'; the roles are {string.Join(", ", All)}.", nameof(text));
            }
        }

        if (roles.Distinct(StringComparer.Ordinal).Count() != roles.Length)
        {
            throw new ArgumentException($"a role is given twice in '{text}'.", nameof(text));
        }

        return roles;
    }
}
