using Akka.Configuration;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// The configuration that puts every <see cref="IDistTrainMessage"/> on the DistTrain wire format.
/// Every node of a cluster must load it (as a fallback of its own configuration, or through its
/// host). It
/// <list type="bullet">
/// <item>registers <see cref="DistTrainMessageSerializer"/> as <c>disttrain</c> in <c>akka.actor.serializers</c>;</item>
/// <item>binds the marker interface to it in <c>akka.actor.serialization-bindings</c>, a more specific
/// binding than Akka's <c>System.Object</c> default, so it wins for every message type;</item>
/// <item>gives the serializer its limits in <c>akka.actor.serialization-settings.disttrain</c>, the
/// section Akka hands to the serializer's <c>(ExtendedActorSystem, Config)</c> constructor;</item>
/// <item>turns off Akka's fallback for types without a binding
/// (<c>akka.actor.serialization-settings.allow-unregistered-types = off</c>), so a message type
/// that escaped the binding fails loudly with a SerializationException instead of travelling as
/// JSON through the <c>System.Object</c> serializer. Keep that fallback off.</item>
/// </list>
/// <c>akka.actor.serialize-messages = on</c> is for tests only: it sends every local message
/// through its serializer and delivers the copy, which is how the tests check the binding without
/// a network. The identifier is fixed in code (<see cref="SerializerId"/>), so
/// <c>akka.actor.serialization-identifiers</c> needs no entry.
/// </summary>
public static class DistTrainSerialization
{
    /// <summary>
    /// The serializer's identifier in every serialized envelope. Akka reserves 0 to 40 and its own
    /// modules stay below 100; 7301 is clear of them. It never changes: nodes pick the serializer
    /// of an incoming message by this number.
    /// </summary>
    public const int SerializerId = 7301;

    /// <summary>The name the serializer is registered under in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "disttrain";

    public const string Hocon = """
        akka.actor {
          serializers {
            disttrain = "DistTrain.Protocol.Serialization.DistTrainMessageSerializer, DistTrain.Protocol"
          }
          serialization-bindings {
            "DistTrain.Protocol.IDistTrainMessage, DistTrain.Protocol" = disttrain
          }
          serialization-settings {
            allow-unregistered-types = off
            disttrain {
              max-tensor-bytes = 256 MiB
              max-list-length = 1048576
              max-string-bytes = 1 MiB
            }
          }
        }
        """;

    /// <summary><see cref="Hocon"/> parsed; use as a fallback: <c>ownConfig.WithFallback(DistTrainSerialization.Config)</c>.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Hocon);
}
