using System.Runtime.ExceptionServices;

namespace DistTrain.Core.Training;

/// <summary>
/// A fixed team of threads that run one phase of work together: <see cref="Run"/> hands the
/// same delegate to every member (the caller is member 0) and returns when all have finished.
/// Unlike <c>Parallel.For</c> it keeps its threads and allocates nothing per phase, so a
/// training step can use it twice without garbage. It is not a general scheduler.
/// </summary>
public sealed class ThreadTeam : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _barrier;
    private Action<int>? _work;
    private ExceptionDispatchInfo? _failure;
    private volatile bool _stopping;

    public ThreadTeam(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        _barrier = new Barrier(size);
        _threads = new Thread[size - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int member = i + 1;
            _threads[i] = new Thread(() => Serve(member)) { IsBackground = true, Name = $"DistTrain team {member}" };
            _threads[i].Start();
        }
    }

    public int Size { get; }

    /// <summary>Runs <paramref name="work"/>(member) on every member at once; rethrows the first failure.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (Size == 1)
        {
            work(0);
            return;
        }

        _work = work;
        _barrier.SignalAndWait();
        Execute(0);
        _barrier.SignalAndWait();
        _work = null;
        ExceptionDispatchInfo? failure = Interlocked.Exchange(ref _failure, null);
        failure?.Throw();
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        if (Size > 1)
        {
            _barrier.SignalAndWait();
            foreach (Thread thread in _threads)
            {
                thread.Join();
            }
        }

        _barrier.Dispose();
    }

    private void Serve(int member)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            Execute(member);
            _barrier.SignalAndWait();
        }
    }

    private void Execute(int member)
    {
        try
        {
            _work!(member);
        }
        catch (Exception exception)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
        }
    }
}
