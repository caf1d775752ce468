using DistTrain.Core.Layers;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// The forward pass as the versions arrive. In a sync step the worker waits for the step's
/// version of every shard, and the shards publish one after another as they apply, in the order
/// the pushes reached them. Across a link the last ranges take milliseconds to arrive, while the
/// first layer's forward pass, a third of a W1 step's arithmetic, needs only its own parameters,
/// and each of its units only its own row of weights. So, while the next lease waits, the worker
/// gathers its samples and runs every first layer whose parameters are all in at the lease's
/// version (<see cref="Core.Layers.Sequential.ForwardLayers"/>), and of the next dense layer the
/// units whose weight rows are in (<see cref="Core.Layers.Sequential.ForwardUnits"/>), at least
/// <see cref="MinUnitsAhead"/> at a time; the lease then runs the rest. The layers compute exactly
/// what they would have computed later, on the same parameters and samples, so the gradient is
/// bit for bit the same.
/// <para>
/// "In" means a prefix of the flat vector, <c>[0, end)</c>, whose every shard holds the lease's
/// <c>MinVersion</c>: a worker that pushes the last layers' ranges first (see
/// <see cref="WorkerActor"/>) gets them back first, but they wait for the first layer.
/// </para>
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
    /// <summary>
    /// The fewest units of a partly arrived layer run at once: one shard of W1 split 32 ways holds
    /// 21 rows of the first layer, and a thinner GEMM pays its call and packing for too little work.
    /// </summary>
    private const int MinUnitsAhead = 16;

    /// <summary>
    /// The waiting lease whose forward pass ran ahead; its first <see cref="_forwardedLayers"/>
    /// layers ran, and the first <see cref="_forwardedUnits"/> units of the layer after them (a
    /// dense one, its bias not added yet). The workspace and the gathered samples hold them.
    /// </summary>
    private LeaseShard? _forwarded;
    private int _forwardedLayers;
    private int _forwardedUnits;

    /// <summary>
    /// Whether the first waiting lease (sync, not runnable yet) has layers, or units of a layer,
    /// whose parameters have all reached its <c>MinVersion</c> and whose forward pass has not run
    /// ahead yet.
    /// </summary>
    public bool CanForwardAhead => ForwardAheadNow() is { } ahead && (ahead.Layers > ahead.DoneLayers || ahead.Units > ahead.DoneUnits);

    /// <summary>
    /// Runs the forward pass of the layers and units <see cref="CanForwardAhead"/> finds ready,
    /// for the first waiting lease. Throws, as <see cref="ComputeGradients"/> would, when the
    /// lease does not fit this worker; that lease then runs whole and fails there.
    /// </summary>
    public void ForwardAhead()
    {
        if (ForwardAheadNow() is not { } ahead || (ahead.Layers == ahead.DoneLayers && ahead.Units == ahead.DoneUnits))
        {
            return;
        }

        LeaseShard lease = _pending[0];
        _forwarded = null;
        if (ahead.DoneLayers == 0 && ahead.DoneUnits == 0)
        {
            CheckLease(lease);
            GatherSamples(lease);
        }

        ReadOnlySpan<float> parameters = Replica.ParametersBelow(ahead.ReadyEnd);
        ReadOnlySpan<float> features = _features.AsSpan(0, lease.Count * Model.InputSize);
        int layers = ahead.DoneLayers;
        if (ahead.Layers > layers)
        {
            if (ahead.DoneUnits > 0)
            {
                // The partly run layer is all in now: its last units and its bias.
                Model.ForwardUnits(parameters, features, lease.Count, _workspace, layers, ahead.DoneUnits, Model.Layers[layers].OutputSize);
                Model.CompleteUnits(parameters, lease.Count, _workspace, layers);
                layers++;
            }

            Model.ForwardLayers(parameters, features, lease.Count, _workspace, layers, ahead.Layers);
            layers = ahead.Layers;
        }

        int units = layers == ahead.DoneLayers ? ahead.DoneUnits : 0;
        if (ahead.Units > units)
        {
            Model.ForwardUnits(parameters, features, lease.Count, _workspace, layers, units, ahead.Units);
            units = ahead.Units;
        }

        _forwarded = lease;
        _forwardedLayers = layers;
        _forwardedUnits = units;
    }

    /// <summary>
    /// For the first waiting lease (sync, not runnable yet): the layers and units that ran ahead
    /// already, and those that can have run once the parameters in now, <c>[0, ReadyEnd)</c>, are
    /// used (<c>Units</c> of the layer after <c>Layers</c>, counted only from
    /// <see cref="MinUnitsAhead"/> more than ran); null for no such lease.
    /// </summary>
    private (int DoneLayers, int DoneUnits, int Layers, int Units, int ReadyEnd)? ForwardAheadNow()
    {
        if (Assignment.Mode != ConsistencyMode.Sync || _pending.Count == 0 || _pending[0].Count == 0 || CanRun(_pending[0]))
        {
            return null;
        }

        LeaseShard lease = _pending[0];
        (int doneLayers, int doneUnits) = _forwarded == lease ? (_forwardedLayers, _forwardedUnits) : (0, 0);
        int readyEnd = ReadyEnd(lease.MinVersion);
        int layers = doneLayers;
        while (layers < Model.Layers.Count && Model.ParameterEnd(layers + 1) <= readyEnd)
        {
            layers++;
        }

        int units = layers == doneLayers ? doneUnits : 0;
        if (layers < Model.Layers.Count && Model.Layers[layers] is Dense dense)
        {
            int inUnits = dense.UnitsBelow(readyEnd);
            if (inUnits >= units + MinUnitsAhead)
            {
                units = inUnits;
            }
        }

        return (doneLayers, doneUnits, layers, units, readyEnd);
    }

    /// <summary>
    /// The layers of <paramref name="lease"/> that ran ahead, forgotten once taken; 0 for any other
    /// lease. A layer that ran in part is completed first: the lease runs with every shard in.
    /// </summary>
    private int TakeForwardedLayers(LeaseShard lease)
    {
        int layers = 0;
        if (_forwarded == lease)
        {
            layers = _forwardedLayers;
            if (_forwardedUnits > 0)
            {
                ReadOnlySpan<float> parameters = Replica.Parameters;
                ReadOnlySpan<float> features = _features.AsSpan(0, lease.Count * Model.InputSize);
                Model.ForwardUnits(parameters, features, lease.Count, _workspace, layers, _forwardedUnits, Model.Layers[layers].OutputSize);
                Model.CompleteUnits(parameters, lease.Count, _workspace, layers);
                layers++;
            }
        }

        _forwarded = null;
        _forwardedLayers = 0;
        _forwardedUnits = 0;
        return layers;
    }

    /// <summary>
    /// The end of the longest prefix of the flat vector whose every shard holds
    /// <paramref name="version"/> or newer: the offset of the first range still older.
    /// </summary>
    private int ReadyEnd(long version)
    {
        int end = Model.ParameterCount;
        for (int s = 0; s < Replica.ShardCount; s++)
        {
            ParameterRange range = Replica.Shards[s].Range;
            if (range.Length > 0 && Replica.Version(s) < version)
            {
                end = Math.Min(end, range.Offset);
            }
        }

        return end;
    }
}
