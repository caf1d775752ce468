using Akka.Actor;
using Akka.Event;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>Completes <see cref="Logged"/> with the first warning or error logged in a system whose text contains a fragment.</summary>
public sealed class LogWatcher
{
    private readonly TaskCompletionSource<string> _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogWatcher(ActorSystem system, string fragment)
    {
        IActorRef listener = system.ActorOf(Props.Create(() => new Listener(fragment, _logged)));
        system.EventStream.Subscribe(listener, typeof(Warning));
        system.EventStream.Subscribe(listener, typeof(Error));
    }

    public Task<string> Logged => _logged.Task;

    private sealed class Listener : ReceiveActor
    {
        public Listener(string fragment, TaskCompletionSource<string> logged)
        {
            Receive<LogEvent>(logEvent =>
            {
                string text = $"{logEvent.Message} {logEvent.Cause?.Message}";
                if (text.Contains(fragment, StringComparison.Ordinal))
                {
                    logged.TrySetResult(text);
                }
            });
        }
    }
}
