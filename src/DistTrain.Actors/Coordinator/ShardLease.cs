namespace DistTrain.Actors.Coordinator;

/// <summary>One slot of one step: the unit of work a worker is leased.</summary>
public readonly record struct ShardLease(long Step, int Slot, int SlotCount);
