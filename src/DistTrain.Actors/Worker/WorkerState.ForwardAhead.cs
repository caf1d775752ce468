using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// The forward pass layer by layer as the versions arrive. In a sync step the worker waits for
/// the step's version of every shard, and the shards publish one after another as they apply
/// (in push order, so the flat vector's first ranges, the first layer's, tend to come first).
/// Across a link the last ranges take milliseconds to arrive, while the first layer's forward
/// pass, a third of a W1 step's arithmetic, needs only its own parameters. So, while the next
/// lease waits, the worker gathers its samples and runs every first layer whose parameters are
/// all in at the lease's version (<see cref="Core.Layers.Sequential.ForwardLayers"/>); the lease
/// then runs the rest. The layers compute exactly what they would have computed later, on the same
/// parameters and samples, so the gradient is bit for bit the same.
/// <para>
/// Only sync leases run ahead: there a shard's version at the lease's <c>MinVersion</c> is the
/// one the whole lease computes on. In ssp and async a shard may move on before the lease runs,
/// and the layers run ahead would then have used older parameters than the rest. The caller does
/// it only where some shard is on another node: in one process versions come as fast as a shard
/// can apply, and the replica reads them without a copy only once all are in.
/// </para>
/// </summary>
public sealed partial class WorkerState
{
    /// <summary>The waiting lease whose first layers ran ahead, and how many; the workspace and the gathered samples hold them.</summary>
    private LeaseShard? _forwarded;
    private int _forwardedLayers;

    /// <summary>
    /// Whether the first waiting lease (sync, not runnable yet) has first layers whose parameters
    /// have all reached its <c>MinVersion</c> and whose forward pass has not run ahead yet.
    /// </summary>
    public bool CanForwardAhead => LayersToForwardAhead() is (_, > 0);

    /// <summary>
    /// Runs the forward pass of the layers <see cref="CanForwardAhead"/> finds ready, for the
    /// first waiting lease. Throws, as <see cref="ComputeGradients"/> would, when the lease does not
    /// fit this worker; that lease then runs whole and fails there.
    /// </summary>
    public void ForwardAhead()
    {
        (int done, int ready) = LayersToForwardAhead();
        if (ready == 0)
        {
            return;
        }

        LeaseShard lease = _pending[0];
        _forwarded = null;
        if (done == 0)
        {
            CheckLease(lease);
            GatherSamples(lease);
        }

        Model.ForwardLayers(
            Replica.ParametersBelow(Model.ParameterEnd(done + ready)), _features.AsSpan(0, lease.Count * Model.InputSize), lease.Count,
            _workspace, done, done + ready);
        _forwarded = lease;
        _forwardedLayers = done + ready;
    }

    /// <summary>The first waiting lease's layers that ran ahead already, and how many after them can run ahead now.</summary>
    private (int Done, int Ready) LayersToForwardAhead()
    {
        if (Assignment.Mode != ConsistencyMode.Sync || _pending.Count == 0 || _pending[0].Count == 0 || CanRun(_pending[0]))
        {
            return (0, 0);
        }

        LeaseShard lease = _pending[0];
        int done = _forwarded == lease ? _forwardedLayers : 0;
        return (done, Math.Max(0, LayersReadyAt(lease.MinVersion) - done));
    }

    /// <summary>The layers of <paramref name="lease"/> that ran ahead, forgotten once taken; 0 for any other lease.</summary>
    private int TakeForwardedLayers(LeaseShard lease)
    {
        int layers = _forwarded == lease ? _forwardedLayers : 0;
        _forwarded = null;
        _forwardedLayers = 0;
        return layers;
    }

    /// <summary>
    /// How many first layers have all their parameters at <paramref name="version"/> or newer:
    /// the largest L with every shard that overlaps <c>[0, ParameterEnd(L))</c> there.
    /// </summary>
    private int LayersReadyAt(long version)
    {
        int ready = 0;
        for (int layers = 1; layers <= Model.Layers.Count; layers++)
        {
            int end = Model.ParameterEnd(layers);
            for (int s = 0; s < Replica.ShardCount; s++)
            {
                ParameterRange range = Replica.Shards[s].Range;
                if (range.Offset < end && range.Length > 0 && Replica.Version(s) < version)
                {
                    return ready;
                }
            }

            ready = layers;
        }

        return ready;
    }
}
