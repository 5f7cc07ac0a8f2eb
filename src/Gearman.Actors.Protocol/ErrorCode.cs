namespace Gearman.Actors.Protocol;

/// <summary>
/// The CODE field of ERROR packets: libgearman return-code names without the <c>GEARMAN_</c> prefix,
/// as gearmand's <c>_server_error_packet</c> writes them.
/// </summary>
public static class ErrorCode
{
    public const string InvalidMagic = "INVALID_MAGIC";
    public const string InvalidCommand = "INVALID_COMMAND";
    public const string ArgumentTooLarge = "ARGUMENT_TOO_LARGE";
    public const string QueueError = "QUEUE_ERROR";
    public const string UnknownOption = "UNKNOWN_OPTION";
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string InvalidPacket = "INVALID_PACKET";
    public const string NotImplemented = "NOT_IMPLEMENTED";
}
