using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.Activity;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// Hot standby (<c>--ps-replicas 1</c>): a primary told <see cref="AttachBackup"/> sends its
/// backup, after each sync step it completes, the step's aggregated mean
/// (<see cref="ReplicateStep"/>), and in ssp and async each contribution it applies, as applied,
/// with its staleness (<see cref="ReplicateContribution"/>). It publishes a version only once the
/// backup answers <see cref="StepReplicated"/> with it, and holds back meanwhile the subscriptions
/// that arrive and, in ssp and async, the acknowledgements of the contributions in it, so no
/// worker ever holds a version, or counts a contribution settled, that the backup lacks. A backup
/// applies each replicated contribution with the same optimizer step
/// (<see cref="ParameterServerState.ApplyReplicatedContribution"/>), so its state is the primary's
/// bit for bit; in sync it holds each step's mean instead (<see cref="ParameterServerState.HoldReplicatedStep"/>),
/// takes the primary's state every K versions in place of the means held
/// (<see cref="CheckpointBackup"/>, <see cref="BackupCheckpoints"/>), and applies the means it
/// holds, in order, before it handles anything else. It serves nothing until <see cref="PromoteShard"/>,
/// after which it is a shard like any other. A backup placed during the run is seeded by its primary first
/// (<see cref="SeedBackup"/>). A primary whose backup is lost goes on alone.
/// </summary>
public sealed partial class ParameterServerActor
{
    private readonly List<SubscribeParameters> _subscriptionsAwaitingBackup = [];
    private readonly List<(IActorRef Pusher, PushGradientsAck Ack, long Replications)> _acksAwaitingBackup = [];
    private IActorRef? _backup;
    private bool _awaitingBackup;

    /// <summary>Ssp and async: contributions sent to the backup, and how many of them it has confirmed (it answers each, in order).</summary>
    private long _replicationsSent, _replicationsConfirmed;

    /// <summary>Sync: K, the versions between two checkpoints a primary sends its backup, and the most steps a backup holds unapplied; 0 for none.</summary>
    private int _checkpointInterval;

    /// <summary>A backup placed during the run that has taken its primary's state (and told the coordinator).</summary>
    private bool _seeded;
    private InitializeShard? _settings;

    private void OnAttachBackup(AttachBackup message)
    {
        if (!message.SendState && (_state.Version != 0 || _backup is not null))
        {
            throw new InvalidOperationException(
                $"Shard {_state.ShardId} was given backup {message.Backup.Path} at version {_state.Version}{(_backup is null ? "" : $", having {_backup.Path}")}; "
                + "a backup initialised alike is attached before the first update only.");
        }

        if (_backup is not null)
        {
            // The coordinator replaced a backup whose loss this shard has not heard of yet.
            Context.Unwatch(_backup);
        }

        _backup = message.Backup;
        Context.Watch(_backup);
        _state.StepAggregated = ReplicateAggregatedStep;
        if (message.SendState)
        {
            SendState(_backup);
        }

        _log.Info("Shard {0} of run {1} replicates every step to {2}.", _state.ShardId, _runId, _backup.Path);
    }

    /// <summary>
    /// Seeds a backup placed during the run with this shard's current state, then goes on as with
    /// any backup: the steps after it follow as <see cref="ReplicateStep"/>s on the same road, and
    /// a version awaiting the backup (the one this state holds) is published once the backup
    /// confirms the seed. The run goes on meanwhile; only that version's publishing waits.
    /// </summary>
    private void SendState(IActorRef backup)
    {
        OptimizerState optimizer = _state.ExportOptimizerState();
        _transport.Send(backup, _settings! with { Initial = new TensorBuffer(_state.Parameters.ToArray(), _state.Range.Length) }, Self);
        _transport.Send(
            backup,
            new SeedBackup(
                _runId, _state.ShardId, _state.Version, optimizer.Step,
                ProtocolMapping.Describe(optimizer),
                _state.StalenessHistogram.ToArray(), _state.Rejected, _state.SettledThrough,
                [.. _state.SettledAbove.Select(settled => new SettledSlot(settled.Step, settled.Slot, settled.SlotCount))]),
            Self);
        if (_state.Mode != ConsistencyMode.Sync)
        {
            // A replaced backup's answers no longer count: the seed holds what it had not confirmed.
            // The seed is answered like a replicated contribution, so what is acknowledged from now on waits for it.
            _replicationsConfirmed = _replicationsSent;
            _replicationsSent++;
            SendConfirmedAcknowledgements();
        }
    }

    private void OnSeedBackup(SeedBackup message)
    {
        OptimizerState optimizer = ProtocolMapping.BuildOptimizerState(message.OptimizerStep, message.OptimizerBuffers);
        if (!_state.TrySeed(
            message.Version, optimizer, message.StalenessHistogram, message.Rejected, message.SettledThrough,
            message.SettledAbove.Select(settled => (settled.Step, settled.Slot, settled.SlotCount)), out string? refusal))
        {
            throw new InvalidOperationException($"the new backup of shard {_state.ShardId} could not take its primary's state: {refusal}");
        }

        _transport.Send(Sender, new StepReplicated(_runId, _state.ShardId, _state.Version), Self);
        _seeded = true;
        _coordinator.Tell(new BackupSeeded(_runId, _state.ShardId, _state.Version), Self);
    }

    /// <summary>
    /// Publishes the version just applied, or with a backup (sync mode) holds it until the backup
    /// confirms the step, which <see cref="ReplicateAggregatedStep"/> sent it before the optimizer
    /// ran; <see cref="OnStepReplicated"/> publishes it then.
    /// </summary>
    private void PublishOnceReplicated()
    {
        if (_backup is null || _state.Mode != ConsistencyMode.Sync)
        {
            Publish();
            return;
        }

        _awaitingBackup = true;
        SendCheckpointWhenDue();
    }

    /// <summary>
    /// Sync, with a backup: sends it the step's mean as soon as the step's contributions are
    /// summed (<see cref="ParameterServerState.StepAggregated"/>), so that the transfer, the
    /// backup's confirmation and this shard's own optimizer step overlap; the version waits to
    /// be published until both are done. The mean goes as it is, with one more reader, whom the
    /// transport (once it has written it) or the backup (once it has applied it) releases.
    /// </summary>
    private void ReplicateAggregatedStep(long step, long version, int contributions, TensorBuffer? mean)
    {
        if (_backup is null)
        {
            return;
        }

        mean?.AddReaders(1);
        _transport.Send(_backup, new ReplicateStep(_runId, _state.ShardId, step, version, contributions, mean ?? new TensorBuffer([], 0)), Self);
    }

    /// <summary>
    /// Ssp and async: sends the backup the contribution just settled, <paramref name="applied"/> as
    /// applied or null for one rejected and given up; the version is published, and every
    /// acknowledgement sent from now on is sent, once the backup has confirmed it.
    /// </summary>
    private void ReplicateContribution(PushGradients push, TensorBuffer? applied)
    {
        _awaitingBackup = true;
        _replicationsSent++;
        _transport.Send(
            _backup!,
            new ReplicateContribution(
                _runId, _state.ShardId, push.Step, push.Slot, push.SlotCount, applied is null ? 0 : _state.LastStaleness, _state.Version,
                applied ?? new TensorBuffer([], 0)),
            Self);
    }

    /// <summary>
    /// Ssp and async: acknowledges a contribution once the backup has confirmed every replication
    /// sent so far, this contribution's among them (at once without a backup). Counting the
    /// backup's answers, not versions, covers a rejected contribution too, which leaves the version.
    /// </summary>
    private void Acknowledge(IActorRef pusher, PushGradientsAck ack)
    {
        if (_replicationsConfirmed < _replicationsSent)
        {
            _acksAwaitingBackup.Add((pusher, ack, _replicationsSent));
            return;
        }

        _transport.Send(pusher, ack, Self);
    }

    private void OnReplicateContribution(ReplicateContribution message)
    {
        try
        {
            if (message.RunId != _runId)
            {
                LogOtherRun(message.RunId, message);
                return;
            }

            _track.Enter(ActivityPhase.Apply, message.Step, message.Version);
            _state.ApplyReplicatedContribution(
                message.Step, message.Slot, message.SlotCount, message.Staleness, message.Version, message.Gradient.Span);
            _track.CompleteStep();
        }
        finally
        {
            message.Gradient.Release();
        }

        _transport.Send(Sender, new StepReplicated(_runId, _state.ShardId, _state.Version), Self);
        _track.Enter(ActivityPhase.Wait, _state.HighestAppliedStep + 1, _state.Version);
    }

    /// <summary>
    /// Sync backup: confirms the step once it holds the mean, then keeps it unapplied, at most
    /// <see cref="_checkpointInterval"/> of them (<see cref="BackupCheckpoints"/>); the oldest
    /// beyond that are applied, which in a steady run the primary's checkpoints make unneeded.
    /// </summary>
    private void OnReplicateStep(ReplicateStep message)
    {
        if (message.RunId != _runId)
        {
            message.Mean.Release();
            LogOtherRun(message.RunId, message);
            return;
        }

        _state.HoldReplicatedStep(message.Step, message.Version, message.Contributions, message.Mean);
        _transport.Send(Sender, new StepReplicated(_runId, _state.ShardId, message.Version), Self);
        _track.CompleteStep();
        if (_state.HeldSteps > _checkpointInterval)
        {
            ApplyHeldSteps(keep: _checkpointInterval);
        }

        _track.Enter(ActivityPhase.Wait, message.Step + 1, message.Version);
    }

    /// <summary>Sync backup: applies the steps it holds beyond <paramref name="keep"/>, oldest first (each was counted done when it came).</summary>
    private void ApplyHeldSteps(int keep = 0)
    {
        _track.Enter(ActivityPhase.Apply, _state.HighestAppliedStep + 1, _state.Version);
        _state.ApplyHeldSteps(keep);
        _track.Enter(ActivityPhase.Wait, _state.HighestAppliedStep + 1 + _state.HeldSteps, _state.ReplicatedVersion);
    }

    private void OnCheckpointBackup(CheckpointBackup message) =>
        _state.TakeCheckpoint(message.Version, message.Parameters, ProtocolMapping.BuildOptimizerState(message.OptimizerStep, message.OptimizerBuffers));

    /// <summary>
    /// Sync primary: every K versions (<see cref="BackupCheckpoints"/>) sends the backup the state
    /// just made, after that version's <see cref="ReplicateStep"/> on the same road, so that the
    /// backup can drop the means it holds instead of applying them.
    /// </summary>
    private void SendCheckpointWhenDue()
    {
        if (!BackupCheckpoints.IsDue(_state.Version, _checkpointInterval))
        {
            return;
        }

        OptimizerState optimizer = _state.ExportOptimizerState();
        _transport.Send(
            _backup!,
            new CheckpointBackup(
                _runId, _state.ShardId, _state.Version, _state.Parameters.ToArray(), optimizer.Step, ProtocolMapping.Describe(optimizer)),
            Self);
    }

    private void OnStepReplicated(StepReplicated message)
    {
        if (!Sender.Equals(_backup))
        {
            return; // from a backup since replaced
        }

        if (_state.Mode != ConsistencyMode.Sync)
        {
            _replicationsConfirmed++;
            SendConfirmedAcknowledgements();
            if (_awaitingBackup && _replicationsConfirmed == _replicationsSent)
            {
                PublishAwaited();
            }

            return;
        }

        // A seeded backup confirms the version it was seeded at, which may be published already.
        if (_awaitingBackup && message.Version == _state.Version)
        {
            PublishAwaited();
        }
    }

    private void OnBackupLost()
    {
        _log.Warning(
            "The backup of shard {0} at {1} was lost; the shard goes on without one.", _state.ShardId, _backup!.Path.Address);
        _backup = null;
        _replicationsConfirmed = _replicationsSent;
        if (_awaitingBackup)
        {
            PublishAwaited();
        }
    }

    /// <summary>The awaited version is safe (on the backup, or there is no backup any more): publish it and answer the subscriptions it held up.</summary>
    private void PublishAwaited()
    {
        _awaitingBackup = false;
        Publish();
        SendConfirmedAcknowledgements();
        foreach (SubscribeParameters subscription in _subscriptionsAwaitingBackup)
        {
            OnSubscribe(subscription);
        }

        _subscriptionsAwaitingBackup.Clear();
    }

    /// <summary>Ssp and async: sends the held acknowledgements whose replications the backup has confirmed (all of them once it is lost).</summary>
    private void SendConfirmedAcknowledgements()
    {
        for (int i = 0; i < _acksAwaitingBackup.Count; i++)
        {
            (IActorRef pusher, PushGradientsAck ack, long replications) = _acksAwaitingBackup[i];
            if (replications <= _replicationsConfirmed || _backup is null)
            {
                _transport.Send(pusher, ack, Self);
                _acksAwaitingBackup.RemoveAt(i--);
            }
        }
    }

    private void OnPromote(PromoteShard message) =>
        _log.Warning(
            "Shard {0} of run {1}: its primary was lost; this backup serves it from version {2} (step {3} next).",
            _state.ShardId, _runId, _state.Version, _state.SettledThrough);
}
