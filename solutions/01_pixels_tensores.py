# %% [markdown]
# # 01 · Pixels e tensores
#
# Uma rede neural não vê imagens: vê números. Antes de falar de convolução, vale entender
# exatamente quais números são esses, em que ordem estão guardados e de que tipo são.
#
# Você vai aprender a:
#
# - representar uma imagem em tons de cinza como uma matriz de inteiros de 0 a 255;
# - ler um dígito do MNIST como números e descobrir o tamanho do conjunto de dados;
# - tratar uma foto colorida como um array altura × largura × canais (RGB) e separar seus canais;
# - trocar entre as convenções *channels_last* (TensorFlow) e *channels_first* (PyTorch);
# - reconhecer o posto (*rank*) e o formato (*shape*) de um tensor, até um lote de imagens;
# - calcular o que faz um neurônio artificial (soma ponderada, viés e ativação), uma camada
#   densa e a softmax, as peças que todas as aulas seguintes usam;
# - evitar as armadilhas do tipo `uint8` e normalizar os pixels para `float32` em $[0, 1]$.
#
# **Pré-requisitos.** Python (variáveis, listas, laços `for`, funções) e o básico de NumPy:
# criar um array, ler o seu `shape`, indexar e fazer contas elemento a elemento. Não é
# preciso ter feito um curso de redes neurais: a seção 6 apresenta o neurônio artificial, a
# camada densa, as funções de ativação e a softmax, com os números calculados na sua frente.
#
# **Como usar estes notebooks.** Rode as células em ordem. Cada exercício termina numa
# célula que confere a sua resposta com `exN.check(...)` e diz o que está errado, se estiver.
# Travou? Logo abaixo de cada exercício há uma célula com três linhas comentadas: apague o
# `#` de uma delas e rode. `exN.hint()` dá a ideia, `exN.hint(2)` a pergunta (ou o conceito)
# que destrava o próximo passo, e só `exN.solution()` mostra o código. Os termos técnicos seguem o glossário
# do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils import config, fmt
from course_utils.checks import ____
from course_utils.datasets import load_mnist
from course_utils.diagrams import draw_neuron
from course_utils.exercises.lesson01 import ex1, ex2, ex3, ex4, ex5
from course_utils.images import load_sample_image
from course_utils.lecture_data import PIXELS_5X5
from course_utils.plots import show_images, show_matrix

print(config.fast_mode_line())

# %% [markdown]
# ## 1. Uma imagem em tons de cinza é uma matriz
#
# Cada ponto de uma imagem digital é um **pixel**. Numa imagem em tons de cinza (*grayscale*),
# cada pixel guarda um único número, a sua intensidade: 0 é preto, 255 é branco e os valores
# intermediários são cinzas, mais claros quanto maiores. A imagem inteira é, portanto, uma
# matriz 2-D: linhas × colunas.
#
# Esta é a matriz 5×5 da aula de Ana Raquel sobre redes convolucionais (FIAP; veja as
# Fontes no fim), guardada em `course_utils.lecture_data`. O `dtype=np.uint8` diz que cada
# valor é um inteiro sem sinal de 8 bits, justamente a faixa de 0 a 255.

# %%
pixels = PIXELS_5X5
print(pixels)
print("formato:", pixels.shape, "| tipo:", pixels.dtype)

# %% [markdown]
# `show_matrix` desenha a matriz como imagem e escreve cada valor na sua casa. Repare que o
# número e a cor contam a mesma história.

# %%
show_matrix(pixels, title="A matriz 5×5 da aula, como imagem");

# %% [markdown]
# Um pixel é lido com `[linha, coluna]`, contando a partir de 0. Fatias (*slices*) pegam
# pedaços inteiros da imagem:

# %%
print("pixel na linha 1, coluna 0:", pixels[1, 0])
print("linha 0 inteira:", pixels[0])
print("coluna 4 inteira:", pixels[:, 4])
print("canto superior esquerdo 2×2:\n", pixels[:2, :2])

# %% [markdown]
# Comparar a matriz com um número dá uma **máscara**: uma matriz de `True`/`False` do mesmo
# formato. É assim que se seleciona "os pixels claros" sem nenhum laço.

# %%
print(pixels > 128)

# %% [markdown]
# ### Exercício 1
#
# Quantos pixels da matriz `pixels` são mais claros que o cinza 170 (valor estritamente
# maior que 170)? Guarde a resposta, um único número inteiro, em `n_bright`.

# %%
# BEGIN SOLUTION ex1
n_bright = int((pixels > 170).sum())
# END SOLUTION
ex1.check(n_bright)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ## 2. Um dígito do MNIST, em números
#
# O MNIST é a coleção clássica de dígitos escritos à mão: imagens 28×28 em tons de cinza,
# cada uma com um rótulo de 0 a 9. `load_mnist` devolve o mesmo que
# `keras.datasets.mnist.load_data()`: um par treino/teste de imagens `x` e rótulos `y`.

# %%
(x_train, y_train), (x_test, y_test) = load_mnist()
print("x_train:", x_train.shape, x_train.dtype, "| y_train:", y_train.shape, y_train.dtype)
print("x_test: ", x_test.shape, x_test.dtype, "| y_test: ", y_test.shape, y_test.dtype)
print(f"{fmt.num(len(x_train))} imagens de treino e {fmt.num(len(x_test))} de teste")
print("classes:", np.unique(y_train))

# %% [markdown]
# O primeiro eixo conta as imagens; os outros dois são a altura e a largura de cada uma.
# O MNIST completo tem 60.000 imagens de treino e 10.000 de teste, os números que os slides
# de Saulo Oliveira (IFCE) citam. Com o modo rápido desligado, a célula acima carrega o
# conjunto inteiro e mostra esses tamanhos; no modo rápido (o dos testes automáticos do
# curso), ela guarda só uma amostra pequena, com as dez classes em proporções iguais.
#
# Agora, um dígito como o computador o vê. `np.printoptions(linewidth=...)` alarga a linha
# de impressão para que cada linha da imagem caiba numa linha do texto:

# %%
digit, label = x_train[0], y_train[0]
print("rótulo:", label)
with np.printoptions(linewidth=150):
    print(digit)

# %% [markdown]
# O fundo é 0 (preto) e o traço tem valores altos (claro). As bordas do traço têm valores
# intermediários: é a suavização (*anti-aliasing*) que os slides do IFCE mencionam. Vendo o
# centro da imagem de perto, com os valores escritos:

# %%
show_matrix(digit[8:20, 8:20], title=f"Centro do dígito (linhas e colunas 8 a 19), rótulo {label}");

# %% [markdown]
# E a mesma matriz desenhada como imagem, junto com os primeiros dígitos do treino:

# %%
show_images(x_train[:16], titles=[f"rótulo {y}" for y in y_train[:16]], ncols=8);

# %% [markdown]
# ## 3. Imagens coloridas: altura × largura × canais
#
# Uma imagem colorida guarda **três** números por pixel: as intensidades de vermelho
# (*red*), verde (*green*) e azul (*blue*), cada uma de 0 a 255. É o sistema RGB das telas:
# cada cor é uma mistura de luz vermelha, verde e azul. Vermelho puro é `(255, 0, 0)`;
# somar luz vermelha e verde dá amarelo; as três juntas no máximo dão branco.

# %%
colors = np.array(
    [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0],
     [0, 255, 255], [255, 0, 255], [128, 128, 128], [0, 0, 0]],
    dtype=np.uint8,
)  # fmt: skip
names = ["vermelho", "verde", "azul", "amarelo", "ciano", "magenta", "cinza", "preto"]
swatches = np.broadcast_to(colors[:, None, None, :], (len(colors), 8, 8, 3))
print("formato do lote de amostras:", swatches.shape)
show_images(swatches, titles=[f"{n}\n{c.tolist()}" for n, c in zip(names, colors)], ncols=8);

# %% [markdown]
# Uma foto é, então, um array 3-D: altura × largura × canais, ou $H \times W \times C$.
# A foto de exemplo do curso é da almirante Grace Hopper, pioneira da computação:

# %%
photo = load_sample_image()
print("formato:", photo.shape, "| tipo:", photo.dtype)
print("pixel [0, 0] (R, G, B):", photo[0, 0])
show_images(photo, titles=["Grace Hopper (RGB)"], figsize=(4, 4.6));

# %% [markdown]
# **Uma correção à aula da FIAP.** Ela descreve uma entrada 32×32×3 dizendo que o 3 é a "escala de
# cores" de uma imagem em tons de cinza. O último eixo conta **canais**: 3 canais significam
# uma imagem colorida RGB. Uma imagem em tons de cinza com eixo de canal teria formato
# 32×32×1.
#
# Cada canal, sozinho, é uma matriz 2-D como a da seção 1. Separando os três e mostrando
# cada um em tons de cinza, um canal fica claro onde a sua cor é forte:

# %%
red, green, blue = photo[:, :, 0], photo[:, :, 1], photo[:, :, 2]
print("formato de cada canal:", red.shape)
show_images(np.stack([red, green, blue]), titles=["canal R", "canal G", "canal B"], ncols=3,
            figsize=(9, 3.8));

# %% [markdown]
# Compare as listras vermelhas da bandeira (claras no canal R, escuras no B) com o fundo azul
# (o contrário). Para recombinar os canais, `np.stack(..., axis=-1)` empilha as três matrizes
# num novo **último** eixo:

# %%
rebuilt = np.stack([red, green, blue], axis=-1)
print("formato:", rebuilt.shape, "| igual à foto?", np.array_equal(rebuilt, photo))

# %% [markdown]
# A ordem dos canais é só uma convenção, e errar a ordem não dá erro nenhum: dá cores erradas.
# O OpenCV, por exemplo, lê imagens em ordem BGR. Trocando R e B:

# %%
bgr = photo[:, :, ::-1]
show_images(np.stack([photo, bgr]), titles=["RGB (certo)", "canais trocados (BGR)"], ncols=2,
            figsize=(6, 3.8));

# %% [markdown]
# ### Exercício 2
#
# Guarde em `red_channel` o canal vermelho da foto: um array 2-D de formato (altura, largura).

# %%
# BEGIN SOLUTION ex2
red_channel = photo[:, :, 0]
# END SOLUTION
ex2.check(red_channel)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# ## 4. Canais no fim ou no começo?
#
# Guardar $H \times W \times C$ (canais no fim, *channels_last*) é a convenção do TensorFlow e
# o padrão do Keras. Theano e PyTorch usam $C \times H \times W$ (canais no começo,
# *channels_first*). Num lote de imagens, o eixo do lote vem sempre primeiro: $(N, H, W, C)$
# contra $(N, C, H, W)$. O Keras diz qual convenção está usando:

# %%
print(keras.backend.image_data_format())

# %% [markdown]
# (O relatório de Jefferson Korte Junior, do Bootcamp LAMIA, escreve "C × W × H" para o
# Theano; a ordem certa é
# $C \times H \times W$: a altura continua antes da largura, só o canal muda de lugar.)
#
# Para passar de uma convenção à outra, `np.transpose(a, eixos)` monta um array novo cujo
# eixo $i$ é o eixo `eixos[i]` do original. De $(H, W, C)$ para $(C, H, W)$, os eixos antigos
# na nova ordem são `(2, 0, 1)`:

# %%
photo_chw = np.transpose(photo, (2, 0, 1))
print("channels_last: ", photo.shape)
print("channels_first:", photo_chw.shape)
print("mesmo canal vermelho?", np.array_equal(photo_chw[0], photo[:, :, 0]))

# %% [markdown]
# **Cuidado: `reshape` não é `transpose`.** `reshape` aceita o mesmo formato final, mas só
# relê os números na ordem em que estão na memória, sem mover eixo algum. O "canal" que sai
# dele é lixo:

# %%
height, width, channels = photo.shape
wrong_chw = photo.reshape(channels, height, width)
show_images(np.stack([photo_chw[0], wrong_chw[0]]),
            titles=["transpose: canal R", "reshape: pixels embaralhados"], ncols=2,
            figsize=(6, 3.8));

# %% [markdown]
# ### Exercício 3
#
# Complete `to_channels_first`: ela recebe um lote no formato $(N, H, W, C)$ e devolve o mesmo
# lote no formato $(N, C, H, W)$. O verificador testa a função com lotes que ela nunca viu.

# %%
def to_channels_first(batch):
    """Converte um lote de (N, H, W, C) para (N, C, H, W)."""
    # BEGIN SOLUTION ex3
    return np.transpose(batch, (0, 3, 1, 2))
    # END SOLUTION


ex3.check(to_channels_first)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown] tags=["solution"]
# Outras formas corretas: `np.moveaxis(batch, -1, 1)` (leva o último eixo para a posição 1) e
# `tf.transpose(batch, perm=[0, 3, 1, 2])`, que devolve um tensor do TensorFlow. A volta,
# de $(N, C, H, W)$ para $(N, H, W, C)$, é `np.transpose(batch, (0, 2, 3, 1))`.

# %% [markdown]
# ## 5. Tensores: do escalar ao lote de imagens
#
# Nos frameworks de deep learning, todo dado é um **tensor**: um array com qualquer número de
# eixos. O número de eixos é o **posto** (*rank*) do tensor, e o tamanho de cada eixo forma
# o seu **formato** (*shape*).
#
# | posto | nome | exemplo | formato |
# | --- | --- | --- | --- |
# | 0 | escalar | um pixel | `()` |
# | 1 | vetor | uma linha de pixels | `(W,)` |
# | 2 | matriz | imagem em tons de cinza | `(H, W)` |
# | 3 | — | imagem colorida | `(H, W, C)` |
# | 4 | — | lote de imagens | `(N, H, W, C)` |
#
# `tf.rank` e `np.ndim` contam os eixos; `.shape` dá os tamanhos:

# %%
tensors = {
    "escalar": tf.constant(7),
    "vetor": tf.constant(pixels[0]),
    "matriz": tf.constant(pixels),
    "imagem": tf.constant(photo),
    "lote": tf.constant(np.stack([photo, bgr])),
}
for name, t in tensors.items():
    print(f"{name:>8}: posto {int(tf.rank(t))}, np.ndim {np.ndim(t)}, formato {tuple(t.shape)}")

# %% [markdown]
# Um lote do MNIST, como `x_train[:32]`, tem posto 3: $(N, H, W)$, sem eixo de canal. As
# camadas convolucionais do Keras esperam posto 4, $(N, H, W, C)$; para imagens em tons de
# cinza, basta acrescentar um eixo de canal de tamanho 1 no fim:

# %%
batch = x_train[:32]
batch_4d = batch[..., np.newaxis]  # o mesmo que np.expand_dims(batch, axis=-1)
print(batch.shape, "posto", batch.ndim, "->", batch_4d.shape, "posto", batch_4d.ndim)

# %% [markdown]
# Postos maiores aparecem com dados mais ricos. Um lote de vídeos acrescenta o eixo do tempo
# (quadros): $(N, T, H, W, C)$, posto 5. Um lote de volumes 3-D (como tomografias) vistos ao
# longo do tempo chega ao posto 6: $(N, T, D, H, W, C)$.

# %%
videos = tf.zeros((2, 16, 64, 64, 3))  # 2 vídeos de 16 quadros 64×64 RGB
scans = tf.zeros((2, 4, 8, 32, 32, 1))  # 2 exames, 4 instantes, 8 fatias de 32×32
print("vídeos:", videos.shape, "posto", int(tf.rank(videos)))
print("exames:", scans.shape, "posto", int(tf.rank(scans)))

# %% [markdown]
# **Posto de tensor não é posto de matriz.** Em álgebra linear, o posto de uma matriz é o
# número de linhas linearmente independentes, outra coisa. A mesma matriz `pixels` tem
# posto de tensor 2 (dois eixos) e um posto de álgebra linear que não depende disso:

# %%
print("posto de tensor (número de eixos):", np.ndim(pixels))
print("posto de álgebra linear:", np.linalg.matrix_rank(pixels.astype(np.float64)))

# %% [markdown]
# ### Exercício 4
#
# Um lote tem 32 imagens RGB de 64×64 pixels, guardado no formato padrão do Keras. Qual é o
# posto desse tensor e qual é o seu formato? Guarde o posto (um inteiro) em `rank` e o formato
# (uma tupla) em `shape`.

# %%
# BEGIN SOLUTION ex4
shape = (32, 64, 64, 3)
rank = len(shape)
# END SOLUTION
ex4.check((rank, shape))

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ## 6. Do pixel ao neurônio
#
# Uma rede neural é feita de **neurônios artificiais**, e cada um faz uma conta pequena.
# Ele recebe alguns números $x_1, \dots, x_n$ (pixels, por exemplo), multiplica cada um por
# um **peso** $w_i$, soma os produtos, soma também um **viés** (*bias*) $b$ e passa o
# resultado $z$ por uma **função de ativação** $g$:
#
# $$z = w_1 x_1 + w_2 x_2 + \dots + w_n x_n + b = w \cdot x + b, \qquad a = g(z)$$
#
# Os pesos dizem quanto cada entrada pesa, e com que sinal; o viés desloca o ponto a partir
# do qual o neurônio responde. Um neurônio de três entradas, com a ativação ReLU (logo
# abaixo), desenhado com os números desta célula:

# %%
x3 = np.array([0.5, 1.0, 0.2])  # entradas
w3 = np.array([0.8, -0.4, 1.5])  # pesos
b3 = 0.1  # viés
z3 = np.dot(w3, x3) + b3  # a soma ponderada mais o viés
print("produtos w·x, um a um:", w3 * x3)
print("z = soma dos produtos + b =", fmt.num(z3, 2))
draw_neuron(x3, w3, b3, activation="ReLU");

# %% [markdown]
# ### Funções de ativação
#
# A ativação é uma função simples aplicada a $z$. As duas mais comuns neste curso:
#
# - **ReLU** (*rectified linear unit*), $\mathrm{ReLU}(z) = \max(0, z)$: zera os negativos e
#   deixa os positivos passarem. É a ativação das camadas escondidas das nossas redes.
# - **sigmoide**, $\sigma(z) = 1 / (1 + e^{-z})$: espreme qualquer número no intervalo
#   $(0, 1)$, bom para dizer "probabilidade de sim".
#
# Sem uma ativação que não seja uma reta, empilhar camadas não adiantaria: uma soma ponderada
# de somas ponderadas ainda é uma soma ponderada.

# %%
def relu(z):
    return np.maximum(z, 0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


z_values = np.array([-2.0, 0.0, 0.5, 3.0])
for z in z_values:
    print(f"z = {fmt.num(z):>4}:  ReLU {fmt.num(relu(z), 2):>5}   sigmoide {fmt.num(sigmoid(z), 3)}")

z_axis = np.linspace(-6, 6, 200)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
for ax, function, name in [(axes[0], relu, "ReLU(z) = max(0, z)"),
                           (axes[1], sigmoid, "sigmoide(z) = 1 / (1 + e⁻ᶻ)")]:
    ax.plot(z_axis, function(z_axis))
    ax.plot(z_values, function(z_values), "o", color="tab:red")
    ax.set_title(name)
    ax.set_xlabel("z")
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.yaxis.set_major_formatter(fmt.tick_formatter())
fig.tight_layout()

# %% [markdown]
# Os pontos vermelhos são os quatro valores impressos acima.
#
# ### Uma camada densa: vários neurônios lado a lado
#
# Uma **camada densa** (*dense*, ou totalmente conectada) é um grupo de neurônios que olham
# para as **mesmas** entradas, cada um com os seus próprios pesos e o seu viés. Com 3
# entradas e 2 neurônios são 3 × 2 pesos e 2 vieses, e as duas somas ponderadas saem de uma
# vez numa multiplicação de matrizes. O Keras guarda os pesos numa matriz `kernel` de formato
# (entradas, neurônios) e calcula `x @ kernel + bias`. Conferimos a conta à mão com a camada
# `keras.layers.Dense`:

# %%
kernel = np.array([[0.8, -0.5],
                   [-0.4, 0.3],
                   [1.5, 0.2]], dtype="float32")  # (3 entradas, 2 neurônios)
bias = np.array([0.1, -0.2], dtype="float32")
by_hand = relu(x3 @ kernel + bias)

dense_layer = keras.layers.Dense(2, activation="relu")
dense_layer.build((None, 3))
dense_layer.set_weights([kernel, bias])
by_keras = keras.ops.convert_to_numpy(dense_layer(x3[None].astype("float32")))[0]
print("à mão:", by_hand, "| Keras:", by_keras, "| iguais?", np.allclose(by_hand, by_keras))
print("parâmetros: 3·2 pesos + 2 vieses =", dense_layer.count_params())

# %% [markdown]
# O primeiro neurônio é o do desenho acima (os mesmos pesos e viés), então a sua saída é a
# mesma. Numa imagem, as entradas são os pixels enfileirados: um dígito 28×28 vira um vetor
# de 784 números. Uma camada densa de 16 neurônios sobre ele já tem este número de
# parâmetros, um peso por par (pixel, neurônio) e um viés por neurônio:

# %%
n_pixels = 28 * 28
print(f"{fmt.num(n_pixels)} pixels × 16 neurônios + 16 vieses = "
      f"{fmt.num(n_pixels * 16 + 16)} parâmetros")

# %% [markdown]
# ### Softmax: pontuações viram probabilidades
#
# Para classificar em $K$ classes (os 10 dígitos, por exemplo), a última camada tem um
# neurônio por classe. Cada um dá uma pontuação $z_k$ (um *logit*), que pode ser qualquer
# número. A **softmax** transforma as $K$ pontuações em probabilidades, todas positivas e
# somando 1, na mesma ordem das pontuações:
#
# $$\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j} e^{z_j}}$$

# %%
logits = np.array([2.0, 1.0, 0.1])
probabilities = np.exp(logits) / np.exp(logits).sum()
print("pontuações:   ", [fmt.num(v) for v in logits])
print("probabilidades:", [fmt.num(p, 3) for p in probabilities],
      "| soma:", fmt.num(probabilities.sum()))
print("igual ao Keras?", np.allclose(probabilities, keras.activations.softmax(logits)))
print("classe prevista (a de maior probabilidade):", int(np.argmax(probabilities)))

# %% [markdown]
# A maior pontuação vira a maior probabilidade, e a classe prevista é a dela. Nas aulas
# seguintes você vai encontrar estas peças de novo: a convolução da aula 02 é um neurônio
# que olha só uma janela da imagem, e a aula 03 monta uma rede inteira com elas.

# %% [markdown]
# ## 7. Tipos de dados: `uint8` e `float32`
#
# Os pixels chegam como `uint8`: um byte por valor, o que economiza memória.

# %%
print("tipo:", x_train.dtype, "| bytes por pixel:", x_train.itemsize)
print(f"x_train ocupa {fmt.num(x_train.nbytes / 1e6, 1)} MB em uint8 "
      f"e ocuparia {fmt.num(x_train.astype(np.float32).nbytes / 1e6, 1)} MB em float32")

# %% [markdown]
# Mas 8 bits só guardam 256 valores, e a aritmética de `uint8` **dá a volta** quando passa
# do limite, sem erro nem aviso: o resultado é o resto da divisão por 256.

# %%
a = np.array([200], dtype=np.uint8)
b = np.array([100], dtype=np.uint8)
print("a + b =", a + b, "| (200 + 100) % 256 =", (200 + 100) % 256)
print("b - a =", b - a, "| (100 - 200) % 256 =", (100 - 200) % 256)
print("TensorFlow faz o mesmo:", (tf.constant(a) + tf.constant(b)).numpy())

# %% [markdown]
# Clarear uma imagem somando um valor, ou subtrair duas imagens, dá resultados absurdos em
# `uint8`. A saída é converter para um tipo de ponto flutuante **antes** da conta:

# %%
print("em float32:", a.astype(np.float32) + b.astype(np.float32))

# %% [markdown]
# ### Normalizar para $[0, 1]$
#
# Redes neurais treinam melhor com entradas pequenas, perto de 1. Os pesos começam com
# valores aleatórios pequenos, escolhidos supondo entradas nessa escala. Com pixels de 0 a
# 255, as somas ponderadas $z$ da seção 6 saem 255 vezes maiores, e o problema não é a
# ativação (a ReLU não tem teto): é a escala. O treino ajusta cada peso num passo
# proporcional à sua entrada, então os pesos da primeira camada recebem passos 255 vezes
# maiores, enquanto os vieses, que não multiplicam pixel nenhum, não. Com a taxa de
# aprendizado usual os passos ficam grandes demais, e uma taxa pequena o bastante para os
# pesos deixa os vieses quase parados: o problema fica mal condicionado. A aula 04 mostra o
# que uma taxa grande demais faz. Por isso se divide tudo por 255: $x' = x / 255$ leva 0 em
# 0 e 255 em 1.
#
# E o tipo importa: o Keras trabalha em `float32` (metade da memória de `float64`, e é o que
# as GPUs fazem rápido). Em NumPy, dividir `uint8` por `255.0` dá `float64`:

# %%
print("tipo padrão do Keras:", keras.backend.floatx())
print("tipo de x_train / 255.0:", (x_train / 255.0).dtype)

# %% [markdown]
# ### Exercício 5
#
# Complete `normalize`: ela recebe um lote `uint8` de imagens do MNIST e devolve um array
# novo, do mesmo formato, com tipo `float32` e valores em $[0, 1]$ (0 continua 0, 255 vira 1).

# %%
def normalize(images):
    """Leva um lote uint8 de 0 a 255 para float32 de 0 a 1, sem mudar o formato."""
    # BEGIN SOLUTION ex5
    return images.astype(np.float32) / 255.0
    # END SOLUTION


ex5.check(normalize)

# %%
# ex5.hint()
# ex5.solution()

# %% [markdown]
# A imagem normalizada tem outros números, mas é a mesma imagem:

# %%
x_train_norm = x_train.astype(np.float32) / 255.0
print("tipo:", x_train_norm.dtype, "| mínimo:", x_train_norm.min(), "| máximo:", x_train_norm.max())
show_images(np.stack([x_train[0], x_train_norm[0]]),
            titles=["uint8, 0 a 255", "float32, 0 a 1"], ncols=2, figsize=(4, 2.4));

# %% [markdown]
# Para ver o efeito da escala, passe os mesmos dígitos por uma camada densa recém-criada,
# com os mesmos pesos aleatórios, antes e depois de normalizar:

# %%
keras.utils.set_random_seed(0)
dense = keras.layers.Dense(16)
flat = x_train[:64].reshape(64, -1).astype(np.float32)
std_raw = float(np.std(dense(flat)))
std_norm = float(np.std(dense(flat / 255.0)))
print(f"desvio das saídas com 0 a 255: {fmt.num(std_raw, 2)}")
print(f"desvio das saídas com 0 a 1:   {fmt.num(std_norm, 2)}")
print(f"razão: {fmt.num(std_raw / std_norm, 1)}")

# %% [markdown]
# A camada é linear e seus vieses começam em zero, então a razão é exatamente o fator de
# escala: as somas ponderadas que chegariam às ativações são 255 vezes maiores, e com elas
# os passos que o treino dá nos pesos.
#
# No Keras, a mesma normalização pode morar dentro do modelo, na camada `Rescaling`, que já
# devolve `float32`:

# %%
rescale = keras.layers.Rescaling(1.0 / 255)
out = rescale(x_train[:2])
print(out.dtype, "| igual ao NumPy?", np.allclose(out, x_train_norm[:2]))

# %% [markdown]
# ### Padronizar (média 0, desvio 1)
#
# Outra receita comum é a **padronização**: subtrair a média e dividir pelo desvio padrão,
# $x' = (x - \mu)/\sigma$. A média e o desvio são calculados **só no treino** e aplicados igual
# ao teste, para que o teste não influencie o pré-processamento.

# %%
mean, std = x_train_norm.mean(), x_train_norm.std()
x_test_std = (x_test.astype(np.float32) / 255.0 - mean) / std
print(f"média do treino: {fmt.num(mean, 4)} | desvio do treino: {fmt.num(std, 4)}")
print(f"teste padronizado: média {fmt.num(x_test_std.mean(), 4)}, "
      f"desvio {fmt.num(x_test_std.std(), 4)}")

# %% [markdown]
# O teste padronizado fica com média perto de 0 e desvio perto de 1, mas não exatamente,
# porque usou as estatísticas do treino. A camada `keras.layers.Normalization` faz essa conta
# dentro do modelo (o método `adapt` calcula $\mu$ e $\sigma$ no treino), **desde que** você
# passe `axis=None`: uma média e um desvio para todos os pixels, como acima. Sem isso ela
# calcula uma média e um desvio **por posição do último eixo** (por canal, numa imagem
# colorida; aqui, por coluna da imagem), que é outra conta:

# %%
one_mean = keras.layers.Normalization(axis=None)
one_mean.adapt(x_train_norm)
per_column = keras.layers.Normalization()
per_column.adapt(x_train_norm)
sample = x_test[:8].astype(np.float32) / 255.0
print("axis=None igual à conta acima?",
      np.allclose(one_mean(sample), x_test_std[:8], atol=1e-3))
print("padrão (axis=-1) igual à conta acima?",
      np.allclose(per_column(sample), x_test_std[:8], atol=1e-3))

# %% [markdown]
# Para imagens, dividir por 255 costuma bastar.

# %% [markdown]
# ## O que você aprendeu
#
# - Uma imagem em tons de cinza é uma matriz 2-D de inteiros de 0 (preto) a 255 (branco);
#   uma imagem colorida é um array $H \times W \times C$, com 3 canais RGB.
# - `imagem[linha, coluna]` lê um pixel; `foto[:, :, c]` separa um canal;
#   `np.stack(..., axis=-1)` junta canais de volta.
# - O Keras usa *channels_last*, $(N, H, W, C)$; PyTorch e Theano usam *channels_first*,
#   $(N, C, H, W)$. Troque com `np.transpose`, nunca com `reshape`.
# - O posto de um tensor é o número de eixos: escalar 0, vetor 1, matriz 2, imagem colorida 3,
#   lote de imagens 4 (vídeos 5).
# - Um neurônio calcula $z = w \cdot x + b$ e uma ativação $a = g(z)$ (ReLU, sigmoide); uma
#   camada densa é um grupo de neurônios sobre as mesmas entradas; a softmax transforma as
#   pontuações da última camada em probabilidades que somam 1.
# - `uint8` dá a volta depois de 255 sem avisar; faça contas em `float32`.
# - Antes de treinar, normalize os pixels: `x.astype(np.float32) / 255`.
#
# ## De onde vem e o que ler a seguir
#
# Esta aula segue a parte de pixels e imagens (tons de cinza, RGB, 0 a 255) da aula de
# Ana Raquel na FIAP POSTECH, a matriz 5×5 e a cor `(255, 0, 0)` dos slides dela para a
# FIAP, os tensores de posto 0 a 6 e o MNIST dos slides de Saulo Oliveira (IFCE), e a
# comparação $H \times W \times C$ contra $C \times H \times W$ do relatório de Jefferson
# Korte Junior (Bootcamp LAMIA). Corrigimos duas passagens: o "32×32×3 em tons de cinza"
# da aula da FIAP (3 canais são RGB) e o "C × W × H" do relatório (é $C \times H \times W$).
#
# Na próxima aula, **02 · Convolução à mão**, você desliza um filtro sobre estas mesmas
# matrizes e calcula, com NumPy, o que uma camada convolucional faz.
#
# ### Fontes
#
# - Ana Raquel. *Deep & Reinforcement Learning — Aula 02: Redes Neurais Convolucionais*.
#   FIAP POSTECH, Data Analytics.
# - Ana Raquel. *Redes Neurais Convolucionais* (slides, com o DESAFIO Fashion-MNIST). FIAP,
#   Python Journey — Machine & Deep Learning.
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA.
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides).
# - O glossário do curso, com os termos desta aula e o nome de cada um em inglês:
#   [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
