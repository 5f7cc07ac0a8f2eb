using System.Buffers;
using Gearman.Actors.Admin;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Net;

// Turns replies and events into bytes in the output buffer.
public sealed partial class Connection
{
    private void Encode(object output)
    {
        if (_overLimit) return;
        var w = _output;
        switch (output)
        {
            case JobAccepted m:
                PacketWriter.Write(w, PacketType.JobCreated, m.Handle);
                break;
            case WorkEvent e:
                EncodeWorkEvent(e);
                break;
            case JobAssigned m:
                EncodeAssignment(m);
                break;
            case NoJob:
                PacketWriter.Write(w, PacketType.NoJob);
                break;
            case Outputs.Noop:
                PacketWriter.Write(w, PacketType.Noop);
                break;
            case SubmitRejected m:
                PacketWriter.Write(w, PacketType.Error, m.Code, m.Text);
                break;
            case Outputs.Error m:
                PacketWriter.Write(w, PacketType.Error, m.Code, m.Text);
                break;
            case Outputs.Echo m:
                PacketWriter.WritePrefix(w, PacketType.EchoRes, m.Data.Length);
                w.Append(m.Data);
                break;
            case Outputs.OptionAccepted m:
                PacketWriter.Write(w, PacketType.OptionRes, m.Name);
                break;
            case JobStatus m:
                PacketWriter.Write(w, PacketType.StatusRes, m.Handle, m.Known ? "1" : "0", m.Running ? "1" : "0", m.Numerator, m.Denominator);
                break;
            case UniqueStatus m:
                PacketWriter.Write(w, PacketType.StatusResUnique, m.Unique, m.Known ? "1" : "0", m.Running ? "1" : "0",
                    m.Numerator, m.Denominator, m.Clients.ToString());
                break;
            case Outputs.Text m:
                WriteText(m.Value);
                break;
            case AdminText m:
                WriteText(m.Text);
                break;
            case Acknowledged:
                break;
            default:
                throw new InvalidOperationException($"no encoding for {output.GetType().Name}");
        }
    }

    /// <summary>
    /// About the bytes an output takes once encoded (the header, a payload, a small allowance for the arguments),
    /// for the output limit: exact for payloads, which are what can be large.
    /// </summary>
    private static long PacketSize(object output) => output switch
    {
        WorkEvent e => 64 + e.Handle.Length + e.Data.Length,
        JobAssigned m => 64 + m.Handle.Length + m.Function.Length + m.Unique.Length + m.Data.Length,
        Outputs.Echo m => 12 + m.Data.Length,
        Outputs.Text m => m.Value.Length,
        AdminText m => m.Text.Length,
        _ => 64,
    };

    private void EncodeWorkEvent(WorkEvent e)
    {
        switch (e.Type)
        {
            case PacketType.WorkStatus:
                PacketWriter.Write(_output, PacketType.WorkStatus, e.Handle, e.Numerator, e.Denominator);
                return;
            case PacketType.WorkFail:
                PacketWriter.Write(_output, PacketType.WorkFail, e.Handle);
                return;
            case PacketType.WorkException when !_exceptions:
                // A client that did not ask for exceptions learns only that the job failed.
                PacketWriter.Write(_output, PacketType.WorkFail, e.Handle);
                return;
            default:
                PacketWriter.WritePrefix(_output, e.Type, e.Data.Length, e.Handle);
                _output.Append(e.Data);
                return;
        }
    }

    private void EncodeAssignment(JobAssigned m)
    {
        switch (m.Kind)
        {
            case GrabKind.Plain:
                PacketWriter.WritePrefix(_output, PacketType.JobAssign, m.Data.Length, m.Handle, m.Function);
                break;
            case GrabKind.All when m.Reducer.Length > 0:
                PacketWriter.WritePrefix(_output, PacketType.JobAssignAll, m.Data.Length, m.Handle, m.Function, m.Unique, m.Reducer);
                break;
            default:
                PacketWriter.WritePrefix(_output, PacketType.JobAssignUniq, m.Data.Length, m.Handle, m.Function, m.Unique);
                break;
        }
        _output.Append(m.Data);
    }

    private void WriteText(string text)
    {
        var span = _output.GetSpan(text.Length);
        _output.Advance(Latin1.Write(text, span));
    }
}
