package io.wslb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.wslb.RejectCause;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AdmissionHoldTest {

    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    @Test
    void aHold_givesItsCountsBackOnce_howeverOftenItIsReleased() {
        Admission admission = new Admission(1, 0, 1);
        assertThat(admission.tryAdmit(CLIENT)).isNull();
        AdmissionHold hold = AdmissionHold.taken(admission, CLIENT);

        hold.release();
        hold.release();
        hold.established();

        assertThat(admission.pending()).isZero();
        assertThat(admission.trackedClients()).isZero();
        assertThat(admission.tryAdmit(CLIENT)).as("one slot again, not two").isNull();
        assertThat(admission.tryAdmit(CLIENT)).isEqualTo(RejectCause.TOO_MANY_PENDING_HANDSHAKES);
    }

    @Test
    void anEstablishedHold_isNoLongerPending_andEndsAsAConnection() {
        Admission admission = new Admission(0, 0, 1);
        assertThat(admission.tryAdmit(CLIENT)).isNull();
        AdmissionHold hold = AdmissionHold.taken(admission, CLIENT);

        hold.established();
        hold.established();
        assertThat(admission.pending()).isZero();
        assertThat(admission.tryAdmit(CLIENT)).as("still a connection").isEqualTo(RejectCause.TOO_MANY_CONNECTIONS);

        hold.release();
        assertThat(admission.pending()).isZero();
        assertThat(admission.trackedClients()).isZero();
    }
}
