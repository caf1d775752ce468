using Akka.Hosting;
using ActorSetup = Akka.Actor.Setup.Setup;
using AkkaConfig = Akka.Configuration.Config;

namespace DistTrain.Hosting;

/// <summary>
/// Hosts a DistTrain node in an application built on Microsoft.Extensions.Hosting:
/// <c>services.AddAkka(DistTrainNodeOptions.SystemName, builder => builder.AddDistTrainNode(options, work))</c>.
/// It adds no settings of its own: the HOCON and the TLS setups are <see cref="NodeConfiguration"/>'s,
/// so a hosted node and one the launcher starts run with the same effective settings, and they form
/// one cluster. The host creates and terminates the actor system; once it has started, the node's
/// actors start on it and the node joins its seeds, so the host's start completes only when the node
/// is up (or fails, and with it the host's start, with <see cref="DistTrainNodeException"/>).
/// </summary>
public static class DistTrainAkkaHostingExtensions
{
    /// <summary>
    /// Configures <paramref name="builder"/>'s actor system as a DistTrain node with
    /// <paramref name="options"/>, and starts the node's roles on it with <paramref name="work"/>.
    /// <paramref name="started"/> receives the running node (its <see cref="DistTrainNode.Exit"/>,
    /// and on a coordinator its <see cref="DistTrainNode.RunAsync"/>); the host, not the caller,
    /// disposes it. The actor system must be named <see cref="DistTrainNodeOptions.SystemName"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddDistTrainNode(
        this AkkaConfigurationBuilder builder, DistTrainNodeOptions options, NodeWork work, Action<DistTrainNode>? started = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(work);
        work.Validate(options);
        AkkaConfig config = NodeConfiguration.Build(options);

        // Prepended, so that these settings win over any the application added before.
        builder.AddHocon(config, HoconAddMode.Prepend);
        foreach (ActorSetup setup in NodeConfiguration.TlsSetups(options, config))
        {
            builder.AddSetup(setup);
        }

        builder.WithActors(async (system, _) =>
        {
            if (system.Name != DistTrainNodeOptions.SystemName)
            {
                throw new ArgumentException(
                    $"the actor system is named '{system.Name}'; DistTrain nodes run '{DistTrainNodeOptions.SystemName}'.", nameof(builder));
            }

            DistTrainNode node = await DistTrainNode.StartOnAsync(system, options, work).ConfigureAwait(false);
            started?.Invoke(node);
        });
        return builder;
    }
}
